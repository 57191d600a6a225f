//! Runs the real Lambda `bootstrap` binary locally, the way Lambda and API Gateway would:
//!
//! - [`RuntimeApi`]: the Lambda Runtime API (`/2018-06-01/runtime/invocation/next`, `…/response`,
//!   `…/error`, `…/init/error`) that `lambda_runtime` long-polls;
//! - [`FunctionProcess`]: the binary started with the environment Lambda gives it;
//! - [`Gateway`]: an API Gateway REST API front (stage prefix, resource templates, the API key
//!   from `x-api-key` or from a REQUEST Lambda authorizer, proxy events in, proxy responses out,
//!   the 29 s integration timeout);
//! - [`FunctionUrl`]: a Lambda Function URL front (SigV4 `AWS_IAM` auth, payload 2.0 events,
//!   `RESPONSE_STREAM` responses relayed as the function writes them);
//! - [`SqsEventSource`]: an SQS event source mapping (long polling, SQS events in, partial batch
//!   failures out) for the asynchronous worker.
//!
//! Used by `make local`, the end-to-end tests and the benchmarks; never deployed.

// Leaves first, the fronts last: a module uses only modules declared above it (rustfmt keeps
// each blank-line group in alphabetical order; a group's modules do not use each other).
mod process;
mod proxy_event;
mod sigv4;
mod task;

mod serve;

mod runtime_api;

mod authorizer;
mod gateway_responses;

mod function_url;
mod gateway;
mod sqs_source;

mod template;

pub use function_url::{FunctionUrl, FunctionUrlConfig};
pub use gateway::{Gateway, GatewayConfig, RouteSpec};
pub use gateway_responses::{GatewayResponse, GatewayResponses, TemplateError};
pub use process::FunctionProcess;
pub use runtime_api::{InvokeError, MAX_RESPONSE_BYTES, Outcome, RuntimeApi, StreamedResponse};
pub use sigv4::{
    LocalCredentials, SigV4Error, sigv4_post_headers, sigv4_signed_post, sigv4_signed_post_for,
    verify_sigv4,
};
pub use sqs_source::{SqsEventSource, SqsSourceConfig, SqsSourceError};
pub use template::{responses_from_template, routes_from_template};
