//! The trace context an agent call carries: the X-Ray trace of the Lambda invocation (or, for a
//! job, of the delivery that queued it) and the W3C headers, so that AgentCore's observability
//! (OpenTelemetry, which reads `traceparent`) and X-Ray show one trace per ticket.

/// Trace context passed on to AgentCore (and from there to the agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    /// `X-Amzn-Trace-Id`: the Lambda invocation's X-Ray trace.
    pub xray: Option<String>,
    /// W3C `traceparent` from the inbound request, or derived from the X-Ray trace.
    pub traceparent: Option<String>,
    /// W3C `tracestate`.
    pub tracestate: Option<String>,
    /// W3C `baggage`.
    pub baggage: Option<String>,
}

impl TraceContext {
    /// The context of an X-Ray trace header alone (a job's `AWSTraceHeader`), with its W3C
    /// `traceparent`.
    pub fn from_xray(header: Option<String>) -> TraceContext {
        TraceContext {
            xray: header,
            ..TraceContext::default()
        }
        .joined()
    }

    /// Without a caller's `traceparent`, the X-Ray trace's: the same trace and parent span in the
    /// W3C form, so the agent's spans join the Lambda's trace. A caller's own is kept.
    pub fn joined(mut self) -> TraceContext {
        if self.traceparent.is_none() {
            self.traceparent = self.xray.as_deref().and_then(w3c_traceparent);
        }
        self
    }
}

/// `Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>` as `00-<32 hex>-<16 hex>-<01|00>`:
/// X-Ray's trace id is W3C's with the version and dash taken out. `None` without a root or a
/// parent (a traceparent needs both), or with anything malformed.
fn w3c_traceparent(xray: &str) -> Option<String> {
    let field = |name: &str| {
        xray.split(';')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    };
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let (epoch, unique) = field("Root")?.strip_prefix("1-")?.split_once('-')?;
    let parent = field("Parent")?;
    if !(hex(epoch, 8) && hex(unique, 24) && hex(parent, 16)) {
        return None;
    }
    let trace_id = format!("{epoch}{unique}").to_ascii_lowercase();
    let parent = parent.to_ascii_lowercase();
    // All zeros is invalid in W3C.
    if trace_id.bytes().all(|b| b == b'0') || parent.bytes().all(|b| b == b'0') {
        return None;
    }
    let sampled = if field("Sampled") == Some("1") {
        "01"
    } else {
        "00"
    };
    Some(format!("00-{trace_id}-{parent}-{sampled}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xray_header_gives_the_same_trace_as_a_w3c_traceparent() {
        // AWS's example (X-Ray developer guide, "Tracing header").
        let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(
            w3c_traceparent(xray).as_deref(),
            Some("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
        );
        let unsampled = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a:1";
        assert!(w3c_traceparent(unsampled).unwrap().ends_with("-00"));
    }

    #[test]
    fn headers_without_a_parent_or_malformed_give_no_traceparent() {
        for bad in [
            "Root=1-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8",
            "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad",
            "Root=1-0000000-000000000000000000000000z;Parent=53995c3f42cd8ad8",
            "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
            "Parent=53995c3f42cd8ad8",
            "",
        ] {
            assert_eq!(w3c_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_callers_traceparent_is_kept_and_the_xray_one_fills_in_otherwise() {
        let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        let own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let with_own = TraceContext {
            xray: Some(xray.into()),
            traceparent: Some(own.into()),
            ..TraceContext::default()
        };
        assert_eq!(with_own.joined().traceparent.as_deref(), Some(own));
        let derived = TraceContext::from_xray(Some(xray.into()));
        assert_eq!(
            derived.traceparent.as_deref(),
            Some("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
        );
        assert_eq!(TraceContext::from_xray(None), TraceContext::default());
    }
}
