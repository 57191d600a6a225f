//! The emulator seen from outside, over HTTP and HTTPS: its SigV4 front door, its quotas and its
//! TLS.

mod quotas;
mod signatures;
mod tls;
