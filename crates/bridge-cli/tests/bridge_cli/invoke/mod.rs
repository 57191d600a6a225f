//! `bridge invoke` against a stand-in bridge that plays the invoke contract: answers, failures
//! and their exit codes, SigV4 signing.

mod answers;
mod failures;
mod sigv4;
