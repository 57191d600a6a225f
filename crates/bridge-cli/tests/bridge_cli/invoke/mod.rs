//! `bridge invoke` against a stand-in bridge that plays the invoke contract: answers, failures
//! and their exit codes, SigV4 signing, hostile answer text kept off the terminal.

mod answers;
mod failures;
mod sigv4;
mod terminal;
