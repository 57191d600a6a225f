//! `bridge`, the command-line client of the webhook bridge. The binary (`main.rs`) only calls
//! [`run`]; everything testable lives in these modules.
//!
//! Modules are declared leaves first, in groups: each uses only those above it.

// Leaves: exit codes and the error every command returns; server text made safe for a terminal.
mod exit;
mod terminal;

// The command line; the pieces of an answer (error envelopes, stream frames and their framing);
// request signing. Each uses only the leaves.
mod cli;
mod envelope;
mod frame;
mod sigv4;
mod stream;

// The HTTP client both commands share.
mod http;

// The commands.
mod invoke;
mod jobs;
mod ticket;

// The binary's flow.
mod app;

pub use app::run;
