//! SDK failures become typed errors that name the operation, never the endpoint or the table.

use job_store::{JobStore, StoreError};

use crate::support::{TTL, new_job, t0};

#[tokio::test]
async fn sdk_failures_become_typed_errors() {
    // A table that does not exist: the service's code, nothing else.
    let missing = JobStore::new(
        local_moto::dynamodb_client(),
        local_moto::unique("missing"),
        TTL,
    );
    match missing.get("job_0123456789abcdef0123456789abcdef").await {
        Err(StoreError::Other { op: "get", code }) => assert_eq!(code, "ResourceNotFoundException"),
        other => panic!("expected Other, got {other:?}"),
    }
    let err = missing.claim(new_job("d-1"), t0()).await.unwrap_err();
    assert!(!err.is_retryable());

    // Nothing listening: unavailable, retryable, and the message names no endpoint.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = local_moto::dynamodb_client_at(&format!("http://127.0.0.1:{port}"));
    let down = JobStore::new(client, "jobs".into(), TTL);
    let err = down
        .get("job_0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable { op: "get" }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
}
