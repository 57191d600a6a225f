//! The functions' log set-up, as Lambda's advanced logging controls expect it: JSON lines when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, the level from `AWS_LAMBDA_LOG_LEVEL`, else from `RUST_LOG`.
//!
//! It replaces `lambda_runtime`'s `init_default_subscriber`, which filters through
//! `tracing_subscriber::EnvFilter` and so links a full regex engine (about 300 KB of each binary)
//! to read a level. `Targets` reads the same `RUST_LOG` forms the functions are documented with
//! (`info`, `webhook_bridge=debug,warn`) without one.

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the process's subscriber from the environment; call once, first thing in `main`.
pub fn init_logging() {
    let filter = log_filter(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let format = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time();
    let registry = tracing_subscriber::registry().with(filter);
    // A second call (a test that starts two functions in one process) keeps the first subscriber.
    let _ = if json {
        registry.with(format.json()).try_init()
    } else {
        registry.with(format).try_init()
    };
}

/// What gets logged. `AWS_LAMBDA_LOG_LEVEL` (set by Lambda from the function's `LoggingConfig`)
/// wins and applies to every target; its `FATAL` logs nothing, since Lambda would drop
/// everything below it, and `TRACE` (which the template refuses) is `DEBUG`: at trace level the
/// HTTP and SDK crates log raw requests, with their signatures and ticket text. Otherwise `RUST_LOG` as target directives, `INFO` for the targets it
/// does not name; an unreadable value is `INFO`.
fn log_filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    if let Some(level) = lambda_level {
        let level = if level.eq_ignore_ascii_case("fatal") {
            LevelFilter::OFF
        } else if level.eq_ignore_ascii_case("trace") {
            LevelFilter::DEBUG
        } else {
            LevelFilter::from_str(level).unwrap_or(LevelFilter::INFO)
        };
        return Targets::new().with_default(level);
    }
    let targets = rust_log
        .and_then(|directives| Targets::from_str(directives).ok())
        .unwrap_or_default();
    match targets.default_level() {
        Some(_) => targets,
        None => targets.with_default(LevelFilter::INFO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn lambdas_level_wins_over_rust_log_for_every_target_and_trace_stops_at_debug() {
        let f = log_filter(Some("DEBUG"), Some("error"));
        assert!(f.would_enable("webhook_bridge::agent", &Level::DEBUG));
        assert!(f.would_enable("aws_smithy_runtime", &Level::DEBUG));
        assert!(!f.would_enable("webhook_bridge", &Level::TRACE));
        let f = log_filter(Some("TRACE"), None);
        assert!(f.would_enable("hyper_util", &Level::DEBUG));
        assert!(!f.would_enable("hyper_util", &Level::TRACE));
        let f = log_filter(Some("WARN"), None);
        assert!(f.would_enable("webhook_bridge", &Level::WARN));
        assert!(!f.would_enable("webhook_bridge", &Level::INFO));
    }

    #[test]
    fn fatal_logs_nothing() {
        let f = log_filter(Some("FATAL"), None);
        assert!(!f.would_enable("webhook_bridge", &Level::ERROR));
    }

    #[test]
    fn rust_log_directives_apply_with_info_for_targets_they_do_not_name() {
        let f = log_filter(None, Some("webhook_bridge=debug"));
        assert!(f.would_enable("webhook_bridge::jobs", &Level::DEBUG));
        assert!(f.would_enable("aws_config", &Level::INFO));
        assert!(!f.would_enable("aws_config", &Level::DEBUG));
        let f = log_filter(None, Some("webhook_bridge=debug,warn"));
        assert!(!f.would_enable("aws_config", &Level::INFO));
    }

    #[test]
    fn no_setting_or_an_unreadable_one_is_info() {
        for f in [
            log_filter(None, None),
            log_filter(None, Some("not a [filter")),
            log_filter(Some("verbose"), None),
        ] {
            assert!(f.would_enable("webhook_bridge", &Level::INFO));
            assert!(!f.would_enable("webhook_bridge", &Level::DEBUG));
        }
    }
}
