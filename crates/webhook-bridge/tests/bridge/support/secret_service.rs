//! SSM Parameter Store and Secrets Manager as the SDK sees them on the wire (awsJson1_1:
//! `POST /` with `X-Amz-Target`), holding a few secrets, for the secret-reference tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Default)]
struct Store {
    values: Mutex<HashMap<String, String>>,
    /// Requests to fail (as a 500) before answering normally.
    failures_left: AtomicUsize,
    requests: AtomicUsize,
}

pub struct SecretService {
    pub endpoint: String,
    store: Arc<Store>,
    _task: tokio::task::JoinHandle<()>,
}

impl SecretService {
    pub async fn start(values: &[(&str, &str)]) -> SecretService {
        let store = Arc::new(Store::default());
        store
            .values
            .lock()
            .unwrap()
            .extend(values.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let app = Router::new().fallback(handle).with_state(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SecretService {
            endpoint,
            store,
            _task: task,
        }
    }

    pub fn fail_next(&self, n: usize) {
        self.store.failures_left.store(n, Ordering::SeqCst);
    }

    pub fn requests(&self) -> usize {
        self.store.requests.load(Ordering::SeqCst)
    }
}

fn aws_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

async fn handle(State(store): State<Arc<Store>>, headers: HeaderMap, body: Bytes) -> Response {
    store.requests.fetch_add(1, Ordering::SeqCst);
    if store
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return aws_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "injected failure",
        );
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let values = store.values.lock().unwrap();
    match target {
        "AmazonSSM.GetParameter" => {
            let name = req["Name"].as_str().unwrap_or("");
            match values.get(name) {
                Some(v) if req["WithDecryption"] == true => (
                    StatusCode::OK,
                    [("content-type", "application/x-amz-json-1.1")],
                    json!({"Parameter": {"Name": name, "Type": "SecureString", "Value": v, "Version": 1}}).to_string(),
                )
                    .into_response(),
                Some(_) => aws_error(StatusCode::BAD_REQUEST, "ValidationException", "SecureString read without decryption"),
                None => aws_error(StatusCode::BAD_REQUEST, "ParameterNotFound", "Parameter not found"),
            }
        }
        "secretsmanager.GetSecretValue" => {
            let id = req["SecretId"].as_str().unwrap_or("");
            match values.get(id) {
                Some(v) => (
                    StatusCode::OK,
                    [("content-type", "application/x-amz-json-1.1")],
                    json!({"ARN": id, "Name": "secret", "SecretString": v, "VersionId": "v1"})
                        .to_string(),
                )
                    .into_response(),
                None => aws_error(
                    StatusCode::BAD_REQUEST,
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret.",
                ),
            }
        }
        _ => aws_error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "unknown operation",
        ),
    }
}
