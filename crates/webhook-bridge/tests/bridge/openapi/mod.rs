//! `docs/openapi.yaml` against the implementation: every documented operation is served and
//! every route the router serves is documented; the error-code enum is exactly what the bridge
//! (and API Gateway's responses in `template.yaml`) can produce, with each reachable code
//! produced by a real request; the document's request examples and the `events/` fixtures are
//! accepted; and every response and streaming frame the bridge produces validates against the
//! schema the document gives for its status. Schemas are checked by the `jsonschema` crate
//! (JSON Schema 2020-12, OpenAPI 3.1's dialect) with `$ref`s resolved against the whole
//! document. The jobs table and queue are real ones: moto's DynamoDB and SQS on loopback
//! (`local-moto`), reached through the real SDK clients.
//!
//! Helpers come first, each using only those above it; the tests, by subject, come last.

// The document, `$ref` resolution and schema validation.
mod schema;
// Operations, servers, concrete paths, documented responses; replies checked against them.
mod document;
// Requests on the documented operations, streamed responses checked frame by frame.
mod requests;
// Error codes: the implementation's, the gateway's, the document's; a request's code observed.
pub(crate) mod codes;
// Requests producing the codes of malformed requests, agent failures, limits, sessions, signatures.
mod request_codes;
// Requests producing the codes of modes, jobs and configuration.
mod job_codes;
// Requests producing the codes of callers: routes and modes an integration may not use.
mod caller_codes;

// The document on its own.
mod consistency;
// The document against the router.
mod routes;
// Request examples, fixtures and refused bodies.
mod bodies;
// The error-code enum, both ways.
mod error_codes;
// The streaming entry point.
mod streams;
// Acknowledgements and job records.
mod job_records;
