//! The one way every answer of the emulator is put together: a status, a body and its
//! `Content-Type`.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

/// `application/json`, the type of the service's documents and errors.
pub(crate) const JSON: &str = "application/json";

/// A response with `body` declared as `content_type`.
pub(crate) fn typed(
    status: StatusCode,
    body: impl Into<Body>,
    content_type: &'static str,
) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    resp
}
