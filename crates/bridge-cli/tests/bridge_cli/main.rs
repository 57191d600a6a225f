//! The built `bridge` binary against stand-in bridges on loopback: one test binary, one module
//! per command.

mod support;

mod install;
mod invoke;
mod jobs;
mod ticket;
