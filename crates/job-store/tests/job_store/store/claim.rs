//! `claim`: one record per delivery, concurrent duplicates included, until the record expires.

use std::time::{Duration, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use job_store::{JobMode, JobStatus, StoreError, request_fingerprint};

use crate::support::{
    BODY, TTL, created, existing, new_job, queued_job, start, store, store_and_table, t0,
};

#[tokio::test]
async fn a_new_key_is_created_and_the_same_key_again_is_existing() {
    let store = store().await;
    let created = created(store.claim(new_job("d-1"), t0()).await.unwrap());
    assert_eq!(created.job_id, new_job("d-1").key.job_id());
    assert_eq!(created.status, JobStatus::Queued);
    assert_eq!(created.mode, JobMode::Async);
    assert_eq!(created.source, "github");
    assert_eq!(created.idempotency_key, "d-1");
    assert_eq!(created.ticket_id, "42");
    assert_eq!(created.attempts, 0);
    assert_eq!(created.created_at_ms, 1_800_000_000_000);
    assert_eq!(created.expires_at, 1_800_000_000 + 24 * 3600);
    assert_eq!(created.lease_until_ms, None);
    assert_eq!(
        created.fingerprint,
        Some(request_fingerprint("github", BODY))
    );
    assert_eq!(
        created.principal.as_deref(),
        Some("integration:github-acme")
    );

    // The retry carries different details (a sender that re-renders the payload): the stored
    // record wins, unchanged.
    let mut retry = new_job("d-1");
    retry.ticket_id = "other".into();
    retry.mode = JobMode::Sync;
    let later = t0() + Duration::from_secs(5);
    assert_eq!(existing(store.claim(retry, later).await.unwrap()), created);
    assert_eq!(store.get(&created.job_id).await.unwrap(), Some(created));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_of_one_key_create_exactly_one() {
    let store = store().await;
    // Several rounds, each with 8 simultaneous claims of a fresh key.
    for round in 0..5 {
        let delivery = format!("concurrent-{round}");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let job = new_job(&delivery);
                tokio::spawn(async move { store.claim(job, t0()).await.unwrap() })
            })
            .collect();
        let mut claims = Vec::new();
        for task in tasks {
            claims.push(task.await.unwrap());
        }
        let created: Vec<_> = claims.iter().filter(|c| c.is_created()).collect();
        assert_eq!(created.len(), 1, "round {round}: {claims:#?}");
        let winner = created[0].record();
        for claim in &claims {
            assert_eq!(claim.record(), winner, "round {round}");
        }
    }
}

#[tokio::test]
async fn an_expired_record_is_claimable_again() {
    let (store, first) = queued_job().await;
    start(&store, &first.job_id, t0()).await.unwrap();

    // At the expiry second the record is still live (expired means expires_at < now).
    let at_expiry = UNIX_EPOCH + Duration::from_secs(first.expires_at);
    assert!(
        !store
            .claim(new_job("d-1"), at_expiry)
            .await
            .unwrap()
            .is_created()
    );

    // After it: moto, like DynamoDB, has not deleted the item, yet it counts as absent.
    let after = at_expiry + Duration::from_secs(1);
    let stale = store.get(&first.job_id).await.unwrap().unwrap();
    assert!(stale.is_expired(after));
    let again = created(store.claim(new_job("d-1"), after).await.unwrap());
    assert_eq!(again.job_id, first.job_id);
    assert_eq!(again.status, JobStatus::Queued);
    assert_eq!(again.attempts, 0);
    assert_eq!(
        again.created_at_ms,
        first.created_at_ms + TTL.as_millis() as u64 + 1000
    );
}

#[tokio::test]
async fn a_key_presented_with_another_request_is_refused_and_the_record_kept() {
    let (store, first) = queued_job().await;
    // The same delivery id with another body: a forged claim, or a sender's mistake.
    let mut forged = new_job("d-1");
    forged.fingerprint = request_fingerprint("github", br#"{"issue": {"number": 666}}"#);
    let later = t0() + Duration::from_secs(5);
    match store.claim(forged, later).await {
        Err(StoreError::KeyReused { job_id }) => assert_eq!(job_id, first.job_id),
        other => panic!("expected KeyReused, got {other:?}"),
    }
    assert_eq!(store.get(&first.job_id).await.unwrap(), Some(first.clone()));
    // The request that owns the key still finds its job.
    assert_eq!(
        existing(store.claim(new_job("d-1"), later).await.unwrap()),
        first
    );
}

#[tokio::test]
async fn a_record_without_a_fingerprint_is_taken_as_it_is() {
    // Written before fingerprints were kept: any request under its key finds it until it expires.
    let (store, table) = store_and_table().await;
    let first = created(store.claim(new_job("d-1"), t0()).await.unwrap());
    local_moto::dynamodb_client()
        .update_item()
        .table_name(&table)
        .key("job_id", AttributeValue::S(first.job_id.clone()))
        .update_expression("REMOVE fingerprint")
        .send()
        .await
        .unwrap();
    let mut other = new_job("d-1");
    other.fingerprint = request_fingerprint("github", b"{}");
    let found = existing(store.claim(other, t0()).await.unwrap());
    assert_eq!(found.job_id, first.job_id);
    assert_eq!(found.fingerprint, None);
}

#[tokio::test]
async fn a_kept_delivery_id_is_stored_and_read_back() {
    let store = store().await;
    let mut by_body = new_job("d-1");
    by_body.key = job_store::IdempotencyKey::from_body("github", BODY).unwrap();
    by_body.delivery_id = Some("72d3162e-cc78-11e3-81ab-4c9367dc0958".into());
    let job = created(store.claim(by_body, t0()).await.unwrap());
    assert_eq!(
        job.delivery_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(store.get(&job.job_id).await.unwrap(), Some(job));
}
