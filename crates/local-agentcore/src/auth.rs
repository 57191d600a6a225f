//! What AWS checks before AgentCore sees a call: the SigV4 signature for service
//! `bedrock-agentcore` in the emulator's region, by a known access key, over the signed headers
//! and the payload. A refusal is AWS's 403 with its real error type (not in the service model,
//! as the SDK meets it): `UnrecognizedClientException` for an unknown key,
//! `InvalidSignatureException` for anything else.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use local_lambda::{SigV4Error, verify_sigv4};

use crate::service_error::ServiceError;
use crate::state::Shared;

/// The service name in the signature's scope.
const SERVICE: &str = "bedrock-agentcore";
/// The largest payload read for checking (the service takes up to 100 MB).
const MAX_PAYLOAD: usize = 100 * 1024 * 1024;

/// Lets a request through only when one of the accepted keys signed it.
pub(crate) async fn signed_only(
    State(state): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAYLOAD).await else {
        return ServiceError::ValidationException.with_message("The payload is too large.");
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("http://{host}{target}");
    let mut refusal = SigV4Error::UnknownKey;
    for accepted in &state.credentials {
        match verify_sigv4(
            accepted,
            SERVICE,
            parts.method.as_str(),
            &url,
            &parts.headers,
            &bytes,
            SystemTime::now(),
        ) {
            Ok(()) => {
                return next
                    .run(Request::from_parts(parts, Body::from(bytes)))
                    .await;
            }
            // Another accepted key may be the one that signed.
            Err(SigV4Error::UnknownKey) => {}
            Err(e) => refusal = e,
        }
    }
    tracing::info!(reason = %refusal, "request signature refused");
    match refusal {
        SigV4Error::UnknownKey => ServiceError::UnrecognizedClientException.response(),
        SigV4Error::Malformed
        | SigV4Error::WrongService(_)
        | SigV4Error::WrongRegion(_)
        | SigV4Error::BadDate
        | SigV4Error::Mismatch => ServiceError::InvalidSignatureException.response(),
    }
}
