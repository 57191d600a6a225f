//! The loop every function runs: the next invocation, its handler, its response, forever.
//!
//! It takes the same services `lambda_runtime::run` takes (`lambda_http`'s adapters for the
//! request functions, a plain `service_fn` for the worker and the authorizer), so the handlers
//! do not know which loop runs them. What differs is in `client` (`TCP_NODELAY`) and in how the
//! trace reaches the SDK (`invocation_trace`, not an environment variable per invocation).

use std::fmt::Debug;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{FutureExt, Stream, StreamExt};
use http::header::CONTENT_TYPE;
use lambda_http::lambda_runtime::layers::trace::request_span;
use lambda_http::lambda_runtime::{
    Config, Context, Diagnostic, FunctionResponse, IntoFunctionResponse, LambdaEvent, Service,
    StreamResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::client::{NextInvocation, RuntimeApi, RuntimeApiError};
use crate::invocation_trace;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves invocations with `service` until the Runtime API fails (then Lambda restarts the
/// process). A handler's error or panic fails that invocation only.
pub async fn serve<S, A, R, B, St, D, E>(mut service: S) -> Result<(), RuntimeApiError>
where
    S: Service<LambdaEvent<A>, Response = R>,
    S::Error: Into<Diagnostic> + Debug,
    A: DeserializeOwned,
    R: IntoFunctionResponse<B, St>,
    B: Serialize,
    St: Stream<Item = Result<D, E>> + Unpin + Send + 'static,
    D: Into<Bytes> + Send,
    E: Into<BoxError> + Send + Debug,
{
    let api = RuntimeApi::from_env()?;
    let config = Arc::new(Config::from_env());
    loop {
        let NextInvocation { headers, body } = api.next().await?;
        let context = Context::new(request_id(&headers)?, config.clone(), &headers)
            .map_err(RuntimeApiError::Invocation)?;
        invocation_trace::set(context.xray_trace_id.as_deref());
        let request_id = context.request_id.clone();
        let span = request_span(&context);
        let outcome = handle(&mut service, &body, context)
            .instrument(span.clone())
            .await;
        let reported = match outcome {
            Ok(response) => respond(&api, &request_id, response).instrument(span).await,
            Err(diagnostic) => {
                let _entered = span.enter();
                tracing::error!(error_type = %diagnostic.error_type, "the invocation failed");
                api.fail(&request_id, &diagnostic).await
            }
        };
        match reported {
            // The Runtime API refused this invocation's answer (410: it timed out; 413: too
            // large). Lambda has failed that invocation already and the next one is unaffected,
            // so the process serves on rather than exiting into a cold start.
            Err(RuntimeApiError::Status(status)) => {
                tracing::error!(%status, "the Runtime API refused the invocation's answer");
            }
            other => other?,
        }
    }
}

/// The handler's answer to one event, or why there is none: an event of the wrong shape, the
/// handler's error, or its panic (reported, and the process keeps serving).
async fn handle<S, A, R>(service: &mut S, body: &[u8], context: Context) -> Result<R, Diagnostic>
where
    S: Service<LambdaEvent<A>, Response = R>,
    S::Error: Into<Diagnostic> + Debug,
    A: DeserializeOwned,
{
    let payload = serde_json::from_slice::<A>(body).map_err(|e| Diagnostic {
        error_type: "Runtime.UnmarshalError".to_owned(),
        error_message: format!("the event is not this function's payload: {e}"),
    })?;
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    let call = AssertUnwindSafe(service.call(LambdaEvent::new(payload, context)));
    match call.catch_unwind().await {
        Ok(result) => result.map_err(Into::into),
        Err(panic) => Err(panic_diagnostic(panic.as_ref())),
    }
}

async fn respond<R, B, St, D, E>(
    api: &RuntimeApi,
    request_id: &str,
    response: R,
) -> Result<(), RuntimeApiError>
where
    R: IntoFunctionResponse<B, St>,
    B: Serialize,
    St: Stream<Item = Result<D, E>> + Unpin + Send + 'static,
    D: Into<Bytes> + Send,
    E: Into<BoxError> + Send + Debug,
{
    match response.into_response() {
        FunctionResponse::BufferedResponse(body) => match serde_json::to_vec(&body) {
            Ok(json) => api.respond(request_id, json).await,
            Err(e) => {
                let diagnostic = Diagnostic {
                    error_type: "Runtime.SerializationError".to_owned(),
                    error_message: e.to_string(),
                };
                api.fail(request_id, &diagnostic).await
            }
        },
        FunctionResponse::StreamingResponse(StreamResponse {
            mut metadata_prelude,
            stream,
        }) => {
            metadata_prelude
                .headers
                .entry(CONTENT_TYPE)
                .or_insert(http::HeaderValue::from_static("application/octet-stream"));
            let mut head = serde_json::to_vec(&metadata_prelude)
                .map_err(|e| RuntimeApiError::Build(e.into()))?;
            head.extend_from_slice(&[0; 8]);
            let chunks = stream.map(|chunk| {
                chunk.map(Into::into).map_err(|e| Diagnostic {
                    error_type: "Runtime.StreamError".to_owned(),
                    error_message: e.into().to_string(),
                })
            });
            api.respond_streaming(request_id, Bytes::from(head), chunks)
                .await
        }
    }
}

fn request_id(headers: &http::HeaderMap) -> Result<&str, RuntimeApiError> {
    headers
        .get("lambda-runtime-aws-request-id")
        .and_then(|v| v.to_str().ok())
        .ok_or(RuntimeApiError::NoRequestId)
}

fn panic_diagnostic(panic: &(dyn std::any::Any + Send)) -> Diagnostic {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(%message, "the handler panicked");
    Diagnostic {
        error_type: "Runtime.Panic".to_owned(),
        error_message: format!("the handler panicked: {message}"),
    }
}
