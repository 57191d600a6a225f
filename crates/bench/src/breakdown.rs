//! Where a warm request's time goes, measured in-process: the bridge's pure ticket work, and the
//! SDK's signed AgentCore call over loopback (HTTPS when the emulator serves it, as the measured
//! functions see it). The rest of the handler time is the Lambda runtime's (event and response
//! conversion, the two Runtime API exchanges).

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use local_agentcore::{LOCAL_RUNTIME_ARN, RunningAgentCore};
use ticket_prompt::{
    FieldLimits, Source, agent_payload, delivery_session_id, read_delivery, render_prompt,
};
use webhook_bridge::{
    AgentCall, AgentClient, Config, DeliveryFigures, Metrics, TraceContext, sdk_defaults,
};

use crate::stats::{median, ms};

/// The in-process breakdown of one warm request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Breakdown {
    /// Parse, validate, clean, render the prompt and the payload: mean per delivery.
    pub ticket_work_ms: f64,
    /// `InvokeAgentRuntime` through the SDK to the local AgentCore on a warm connection, answer
    /// read: median.
    pub agent_call_ms: f64,
    /// The delivery's EMF metric document rendered and written as one line to `/dev/null`
    /// (a write system call, as on Lambda's stdout): mean per delivery.
    #[serde(default)]
    pub metrics_ms: f64,
}

/// Times the ticket work over `iterations` deliveries of `body`, then up to 2,000 agent calls to
/// `agentcore` (trusting its CA alone when it serves HTTPS).
pub async fn measure(
    body: &[u8],
    agentcore: &RunningAgentCore,
    iterations: usize,
) -> anyhow::Result<Breakdown> {
    let limits = FieldLimits::default();
    let started = Instant::now();
    let mut payload = Vec::new();
    for _ in 0..iterations {
        let ticket = read_delivery(Source::ServiceNow, body, None)?.ticket(&limits)?;
        let _session = delivery_session_id(
            "servicenow",
            &ticket.id,
            &uuid::Uuid::new_v4().simple().to_string(),
        );
        let prompt = render_prompt(&ticket, &uuid::Uuid::new_v4().simple().to_string());
        payload = serde_json::to_vec(&agent_payload(&ticket, &prompt))?;
    }
    let ticket_work_ms = ms(started.elapsed()) / iterations as f64;
    let metrics_ms = metrics_per_delivery(iterations)?;

    let vars = HashMap::from([
        ("AGENT_RUNTIME_ARN", LOCAL_RUNTIME_ARN),
        ("AGENT_WARM_UP", "false"),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?;
    let sdk = agentcore.sdk(sdk_defaults(&config))?.load().await;
    let client = AgentClient::new(&sdk, &config);
    let mut calls = Vec::with_capacity(iterations);
    for _ in 0..iterations.min(2000) {
        let call = AgentCall {
            endpoint: config.default_endpoint(),
            session_id: delivery_session_id(
                "bench",
                "INC1",
                &uuid::Uuid::new_v4().simple().to_string(),
            ),
            payload: payload.clone(),
            user_id: None,
            trace: TraceContext::default(),
            // The breakdown times the call alone.
            release_session: false,
        };
        let started = Instant::now();
        client
            .invoke(&call, config.agent_timeout)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        calls.push(ms(started.elapsed()));
    }
    Ok(Breakdown {
        ticket_work_ms,
        agent_call_ms: median(&calls),
        metrics_ms,
    })
}

/// Mean time to render one delivery's metric document and write it, as the webhook does after
/// each response, over `iterations` documents.
fn metrics_per_delivery(iterations: usize) -> anyhow::Result<f64> {
    let metrics = Metrics::new(Some("AgentCoreBridge".into()), "bench-webhook".into());
    let mut sink = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    // The request id exists before the document does; making one is not the metrics' cost.
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    for i in 0..iterations {
        let figures = DeliveryFigures {
            route: "servicenow",
            code: "OK",
            latency: Duration::from_micros(2_400 + i as u64 % 100),
            agent_latency: Some(Duration::from_micros(1_900)),
            agent_error: false,
            throttled: false,
            cold_start: i == 0,
            request_id: &request_id,
        };
        if let Some(mut line) = metrics.delivery(&figures) {
            line.push('\n');
            sink.write_all(line.as_bytes())?;
        }
    }
    Ok(ms(started.elapsed()) / iterations as f64)
}
