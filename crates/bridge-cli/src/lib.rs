//! `bridge`, the command-line client of the webhook bridge. The binary (`main.rs`) only wires
//! these modules together; everything testable lives here.

pub mod cli;
pub mod envelope;
pub mod exit;
pub mod frame;
pub mod http;
pub mod invoke;
pub mod sigv4;
pub mod stream;
pub mod ticket;
