//! The bridge's own Lambda Runtime API loop, in place of `lambda_runtime::run`: the same
//! handlers, a connection with `TCP_NODELAY` (a streamed answer's first words no longer wait
//! ~40 ms for a delayed acknowledgement) and no environment variable set per invocation (glibc
//! keeps every value, so memory grew with each fresh trace id). `lambda_runtime` and `lambda_http`
//! still provide the types: the context, the event adapters, the streaming prelude.

mod client;

mod serve;

pub use client::RuntimeApiError;
pub use serve::serve;
