//! Measurement pieces shared by `bridge-bench` (speed and memory against the Python baseline, the
//! streaming entry point's latency) and `bridge-load` (load and leak checks).

// Leaves first, the report last: a module uses only modules declared above it (rustfmt keeps
// each blank-line group in alphabetical order; a group's modules do not use each other).
pub mod memory_cgroup;
pub mod setup;
pub mod stats;

pub mod breakdown;
pub mod measure;
pub mod streaming;

pub mod instructions;

pub mod report;

pub mod storm;
