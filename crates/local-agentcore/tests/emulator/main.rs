//! The emulator seen from outside, over HTTP: its SigV4 front door and its quotas.

mod quotas;
mod signatures;
