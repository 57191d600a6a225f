//! Measurement pieces shared by `bridge-bench` (speed and memory against the Python baseline, the
//! streaming entry point's latency) and `bridge-load` (load and leak checks).

pub mod breakdown;
pub mod measure;
pub mod report;
pub mod stats;
pub mod streaming;
