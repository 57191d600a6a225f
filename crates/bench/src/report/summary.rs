//! One function's cold starts reduced to the figures the tables show, and the targets' verdict.

use crate::measure::Run;
use crate::stats::{median, percentile};

/// The medians over a function's cold starts.
pub(crate) struct Summary {
    pub(crate) init_ms: f64,
    pub(crate) first_ms: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) idle_mib: f64,
    pub(crate) after_mib: f64,
}

/// Each figure's median over `runs`; warm figures are the median of each run's percentile.
pub(crate) fn summarise(runs: &[Run]) -> Summary {
    let per_run = |f: &dyn Fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Summary {
        init_ms: per_run(&|r| r.init_ms),
        first_ms: per_run(&|r| r.first_request_ms),
        p50_ms: per_run(&|r| percentile(&r.warm_ms, 50.0)),
        p99_ms: per_run(&|r| percentile(&r.warm_ms, 99.0)),
        idle_mib: per_run(&|r| r.idle_rss_kib as f64 / 1024.0),
        after_mib: per_run(&|r| r.rss_after_kib as f64 / 1024.0),
    }
}

/// A target's cell: met, or missed in bold.
pub(crate) fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}
