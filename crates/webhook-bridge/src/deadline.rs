//! How long an agent call may take: the configured timeout, capped by what the Lambda
//! invocation has left less a margin kept back to answer (and record the outcome) after it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What to keep back from the Lambda deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Margin {
    /// The request functions: enough to answer with a typed 504 (and log) instead of being
    /// killed mid-request.
    Answer,
    /// The worker: enough to record the outcome after a long call; a tenth of the time left,
    /// at least 1.5 s and at most 10 s.
    Record,
}

const ANSWER_MARGIN: Duration = Duration::from_millis(1500);
const RECORD_MARGIN_MIN: Duration = Duration::from_millis(1500);
const RECORD_MARGIN_MAX: Duration = Duration::from_secs(10);

impl Margin {
    fn of(self, left: Duration) -> Duration {
        match self {
            Margin::Answer => ANSWER_MARGIN,
            Margin::Record => (left / 10).clamp(RECORD_MARGIN_MIN, RECORD_MARGIN_MAX),
        }
    }
}

/// The agent deadline now, for an invocation that ends at `lambda_deadline_ms` (epoch ms; 0
/// when unknown, as outside Lambda).
pub fn agent_deadline(configured: Duration, lambda_deadline_ms: u64, margin: Margin) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    effective_deadline(configured, lambda_deadline_ms, now, margin)
}

/// `configured`, capped by what is left before the Lambda deadline (epoch ms) less the margin.
/// A deadline of 0 means none was given (outside Lambda); one already past leaves no time.
fn effective_deadline(
    configured: Duration,
    lambda_deadline_ms: u64,
    now: Duration,
    margin: Margin,
) -> Duration {
    if lambda_deadline_ms == 0 {
        return configured;
    }
    let remaining = Duration::from_millis(lambda_deadline_ms).saturating_sub(now);
    configured.min(remaining.saturating_sub(margin.of(remaining)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: u64 = 1_795_338_720_000;
    const TIMEOUT: Duration = Duration::from_secs(25);

    fn at(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn no_lambda_deadline_keeps_the_configured_one() {
        assert_eq!(
            effective_deadline(TIMEOUT, 0, at(NOW_MS), Margin::Answer),
            TIMEOUT
        );
    }

    #[test]
    fn the_lambda_deadline_less_the_margin_caps_it() {
        let ten_s_left = NOW_MS + 10_000;
        assert_eq!(
            effective_deadline(TIMEOUT, ten_s_left, at(NOW_MS), Margin::Answer),
            Duration::from_millis(8_500)
        );
        let an_hour_left = NOW_MS + 3_600_000;
        assert_eq!(
            effective_deadline(TIMEOUT, an_hour_left, at(NOW_MS), Margin::Answer),
            TIMEOUT
        );
    }

    #[test]
    fn a_passed_or_nearly_passed_deadline_leaves_no_time() {
        for deadline in [NOW_MS - 1, NOW_MS + 1_000] {
            assert_eq!(
                effective_deadline(TIMEOUT, deadline, at(NOW_MS), Margin::Answer),
                Duration::ZERO
            );
        }
    }

    #[test]
    fn the_worker_margin_scales_with_the_time_left() {
        let long = Duration::from_secs(840);
        // 900 s left: a tenth is 90 s, capped at 10 s.
        assert_eq!(
            effective_deadline(long, NOW_MS + 900_000, at(NOW_MS), Margin::Record),
            Duration::from_secs(840)
        );
        assert_eq!(
            effective_deadline(long, NOW_MS + 60_000, at(NOW_MS), Margin::Record),
            Duration::from_secs(54)
        );
        // 5 s left: a tenth is 0.5 s, raised to 1.5 s.
        assert_eq!(
            effective_deadline(long, NOW_MS + 5_000, at(NOW_MS), Margin::Record),
            Duration::from_millis(3_500)
        );
    }
}
