//! The X-Ray trace of the invocation being served, on every AWS SDK call the function makes.
//!
//! `lambda_runtime` hands the trace to the SDK through the `_X_AMZN_TRACE_ID` environment
//! variable, set anew for every invocation; glibc keeps every value ever set (`setenv` never frees
//! one, since a pointer to it may be held), so with Lambda's fresh trace id per request a
//! long-lived instance grows by each id. The bridge's own Runtime API loop (`runtime_api`) puts
//! the trace here instead, and [`TraceHeader`] writes it as `X-Amzn-Trace-Id` on each request
//! the SDK sends, as the SDK's recursion detection does from the variable: SQS then hands the
//! worker the delivery's trace (`AWSTraceHeader`). One slot for the process is right because a
//! Lambda instance serves one invocation at a time.

use std::sync::RwLock;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The header X-Ray reads, and the one the SDK's recursion detection writes.
const TRACE_HEADER: &str = "x-amzn-trace-id";

static CURRENT: RwLock<Option<String>> = RwLock::new(None);

/// Makes `trace` the invocation's trace (or clears it), replacing the previous one in place.
pub fn set(trace: Option<&str>) {
    let mut slot = CURRENT
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match (slot.as_mut(), trace) {
        // Reuse the allocation: trace ids have one length, so the slot never grows.
        (Some(current), Some(trace)) => {
            current.clear();
            current.push_str(trace);
        }
        (_, trace) => *slot = trace.map(str::to_owned),
    }
}

/// The trace of the invocation being served, if it has one.
pub fn current() -> Option<String> {
    CURRENT
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Adds the invocation's trace to each SDK request that does not carry one already (an agent
/// call sets its own, the trace the job continues).
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceHeader;

impl Intercept for TraceHeader {
    fn name(&self) -> &'static str {
        "InvocationTraceHeader"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        if headers.contains_key(TRACE_HEADER) {
            return Ok(());
        }
        // A trace id that is not a valid header value (never from Lambda) is left out, not
        // allowed to fail the call.
        if let Some(trace) = current().filter(|t| http::HeaderValue::from_str(t).is_ok()) {
            headers.insert(TRACE_HEADER, trace);
        }
        Ok(())
    }
}

/// A service's client from shared SDK settings, with [`TraceHeader`] on every request:
/// `traced_client!(aws_sdk_sqs, &sdk_config)`. (Each service has its own config type; the SDK has
/// no setting shared by all clients that could carry an interceptor.)
macro_rules! traced_client {
    ($service:ident, $sdk:expr) => {
        $service::Client::from_conf(
            $service::config::Builder::from($sdk)
                .interceptor($crate::invocation_trace::TraceHeader)
                .build(),
        )
    };
}
pub(crate) use traced_client;

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::{Arc, Mutex};

    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_sdk_sqs::config::{Credentials, SharedCredentialsProvider};

    const FIRST: &str =
        "Root=1-00000001-000000000000000000000001;Parent=0000000000000001;Sampled=1";
    const SECOND: &str =
        "Root=1-00000002-000000000000000000000002;Parent=0000000000000002;Sampled=0";

    /// A server that records each request's trace header and answers 400.
    async fn recording_server() -> (String, Arc<Mutex<Vec<Option<String>>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let app = axum::Router::new().fallback(move |headers: http::HeaderMap| {
            let record = record.clone();
            async move {
                let trace = headers
                    .get(TRACE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                record.lock().unwrap().push(trace);
                http::StatusCode::BAD_REQUEST
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, seen)
    }

    // One test: the slot is process-wide, and tests run in parallel.
    #[tokio::test]
    async fn each_sdk_request_carries_the_current_invocations_trace_and_none_after_it_clears() {
        let (url, seen) = recording_server().await;
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "local", "local", None, None, "test",
            )))
            .endpoint_url(url)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        let sqs = traced_client!(aws_sdk_sqs, &sdk);
        let send = || sqs.send_message().queue_url("q").message_body("b").send();

        set(Some(FIRST));
        let _ = send().await;
        set(Some(SECOND));
        let _ = send().await;
        set(None);
        let _ = send().await;

        assert_eq!(
            *seen.lock().unwrap(),
            vec![Some(FIRST.to_owned()), Some(SECOND.to_owned()), None]
        );
    }
}
