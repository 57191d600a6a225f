//! The Lambda Runtime API over HTTP/1.1: the next invocation, its response (whole or streamed),
//! its error.
//!
//! The connection sets `TCP_NODELAY`. A streamed response is many small writes on one request
//! body; with Nagle's algorithm on, each write after the first waits for the previous one's
//! acknowledgement, which the Runtime API delays (~40 ms on Linux), so the caller's first words
//! arrived 40 ms late. `lambda_runtime` builds its connector inside `Runtime::new` with no way to
//! set the option, which is why the bridge has this client.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lambda_http::lambda_runtime::Diagnostic;

type Body = UnsyncBoxBody<Bytes, BoxError>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

const VERSION: &str = "2018-06-01";
const ERROR_TYPE_HEADER: &str = "lambda-runtime-function-error-type";
const ERROR_BODY_TRAILER: &str = "lambda-runtime-function-error-body";

/// What went wrong talking to the Runtime API. Each is fatal to the process: Lambda restarts it.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeApiError {
    /// Not running under Lambda (or an emulator).
    #[error("AWS_LAMBDA_RUNTIME_API is not set")]
    NoAddress,
    /// The connection or the exchange failed.
    #[error("the Runtime API request failed: {0}")]
    Transport(#[source] BoxError),
    /// The Runtime API refused a request (an invocation that is no longer current, say).
    #[error("the Runtime API answered {0}")]
    Status(StatusCode),
    /// An invocation without `Lambda-Runtime-Aws-Request-Id`.
    #[error("the next invocation has no request id")]
    NoRequestId,
    /// An invocation whose headers are not Lambda's (no deadline, say).
    #[error("the next invocation's headers are not Lambda's: {0}")]
    Invocation(#[source] BoxError),
    /// A request to the Runtime API could not be built.
    #[error("the response could not be built: {0}")]
    Build(#[source] BoxError),
}

/// One invocation as the Runtime API hands it over.
pub struct NextInvocation {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A client of one function's Runtime API.
pub struct RuntimeApi {
    base: String,
    http: Client<HttpConnector, Body>,
}

impl RuntimeApi {
    /// The Runtime API at `AWS_LAMBDA_RUNTIME_API` (`host:port`), as Lambda sets it.
    pub fn from_env() -> Result<RuntimeApi, RuntimeApiError> {
        let address =
            std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| RuntimeApiError::NoAddress)?;
        Ok(RuntimeApi::at(&address))
    }

    /// The Runtime API at `address` (`host:port`).
    pub fn at(address: &str) -> RuntimeApi {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            // The next invocation can be minutes away: never drop the idle connection for it.
            .pool_idle_timeout(None::<Duration>)
            .pool_max_idle_per_host(1)
            .build(connector);
        RuntimeApi {
            base: format!("http://{address}/{VERSION}/runtime"),
            http,
        }
    }

    /// Waits for the next invocation (a long poll).
    pub async fn next(&self) -> Result<NextInvocation, RuntimeApiError> {
        let request = Request::get(format!("{}/invocation/next", self.base))
            .body(empty())
            .map_err(|e| RuntimeApiError::Build(e.into()))?;
        let response = self.send(request).await?;
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| RuntimeApiError::Transport(e.into()))?
            .to_bytes();
        Ok(NextInvocation { headers, body })
    }

    /// The invocation's whole response.
    pub async fn respond(&self, request_id: &str, body: Vec<u8>) -> Result<(), RuntimeApiError> {
        let request = self
            .post(&format!("invocation/{request_id}/response"))
            .body(full(body))
            .map_err(|e| RuntimeApiError::Build(e.into()))?;
        self.send(request).await.map(drop)
    }

    /// The invocation's response as a stream: `head` (the HTTP integration's prelude and its
    /// eight-zero-byte delimiter) and then each chunk as the function produces it. A chunk that
    /// fails ends the stream with the error in the trailers, as Lambda documents.
    pub async fn respond_streaming<S>(
        &self,
        request_id: &str,
        head: Bytes,
        chunks: S,
    ) -> Result<(), RuntimeApiError>
    where
        S: Stream<Item = Result<Bytes, Diagnostic>> + Send + 'static,
    {
        let frames = futures_util::stream::once(async move { Ok(head) })
            .chain(chunks)
            .scan(false, |failed, chunk| {
                let frame = match (*failed, chunk) {
                    (true, _) => None,
                    (false, Ok(data)) => Some(Ok::<_, BoxError>(Frame::data(data))),
                    (false, Err(diagnostic)) => {
                        *failed = true;
                        Some(Ok(Frame::trailers(error_trailers(&diagnostic))))
                    }
                };
                std::future::ready(frame)
            });
        let request = self
            .post(&format!("invocation/{request_id}/response"))
            .header("lambda-runtime-function-response-mode", "streaming")
            .header(header::TRANSFER_ENCODING, "chunked")
            .header(
                header::CONTENT_TYPE,
                "application/vnd.awslambda.http-integration-response",
            )
            .header(header::TRAILER, ERROR_TYPE_HEADER)
            .header(header::TRAILER, ERROR_BODY_TRAILER)
            .body(StreamBody::new(frames).boxed_unsync())
            .map_err(|e| RuntimeApiError::Build(e.into()))?;
        self.send(request).await.map(drop)
    }

    /// The invocation failed: Lambda reports `diagnostic` to the caller.
    pub async fn fail(
        &self,
        request_id: &str,
        diagnostic: &Diagnostic,
    ) -> Result<(), RuntimeApiError> {
        self.report(&format!("invocation/{request_id}/error"), diagnostic)
            .await
    }

    async fn report(&self, path: &str, diagnostic: &Diagnostic) -> Result<(), RuntimeApiError> {
        let body = serde_json::to_vec(diagnostic).map_err(|e| RuntimeApiError::Build(e.into()))?;
        let request = self
            .post(path)
            .header(ERROR_TYPE_HEADER, header_value(&diagnostic.error_type))
            .body(full(body))
            .map_err(|e| RuntimeApiError::Build(e.into()))?;
        self.send(request).await.map(drop)
    }

    fn post(&self, path: &str) -> http::request::Builder {
        Request::builder()
            .method(Method::POST)
            .uri(format!("{}/{path}", self.base))
    }

    async fn send(
        &self,
        request: Request<Body>,
    ) -> Result<http::Response<hyper::body::Incoming>, RuntimeApiError> {
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| RuntimeApiError::Transport(e.into()))?;
        if !response.status().is_success() {
            return Err(RuntimeApiError::Status(response.status()));
        }
        Ok(response)
    }
}

/// A streamed response's failure, as trailers: the type, and the error document base64-encoded
/// (a trailer value cannot hold every byte of a message).
fn error_trailers(diagnostic: &Diagnostic) -> HeaderMap {
    use base64::Engine;
    let document = serde_json::to_vec(diagnostic).unwrap_or_default();
    let mut trailers = HeaderMap::new();
    trailers.insert(ERROR_TYPE_HEADER, header_value(&diagnostic.error_type));
    if let Ok(value) =
        HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(document))
    {
        trailers.insert(ERROR_BODY_TRAILER, value);
    }
    trailers
}

/// An error type as a header value; one a header cannot carry is replaced, not dropped.
fn header_value(error_type: &str) -> HeaderValue {
    HeaderValue::from_str(error_type).unwrap_or(HeaderValue::from_static("Runtime.Unknown"))
}

fn empty() -> Body {
    full(Vec::new())
}

fn full(bytes: Vec<u8>) -> Body {
    Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed_unsync()
}
