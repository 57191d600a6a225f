//! Where a warm request's time goes, measured in-process: the bridge's pure ticket work, and the
//! SDK's signed AgentCore call over loopback. The rest of the handler time is the Lambda
//! runtime's (event and response conversion, the two Runtime API exchanges).

use std::collections::HashMap;
use std::time::Instant;

use local_agentcore::{LOCAL_RUNTIME_ARN, local_sdk};
use ticket_prompt::{
    FieldLimits, Source, agent_payload, delivery_session_id, read_delivery, render_prompt,
};
use webhook_bridge::{AgentCall, AgentClient, Config, TraceContext, sdk_defaults};

use crate::stats::{median, ms};

/// The in-process breakdown of one warm request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Breakdown {
    /// Parse, validate, clean, render the prompt and the payload: mean per delivery.
    pub ticket_work_ms: f64,
    /// `InvokeAgentRuntime` through the SDK to the local AgentCore, answer read: median.
    pub agent_call_ms: f64,
}

/// Times the ticket work over `iterations` deliveries of `body`, then up to 2,000 agent calls to
/// the local AgentCore at `agentcore_endpoint`.
pub async fn measure(
    body: &[u8],
    agentcore_endpoint: &str,
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

    let vars = HashMap::from([
        ("AGENT_RUNTIME_ARN", LOCAL_RUNTIME_ARN),
        ("AGENT_WARM_UP", "false"),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?;
    let sdk = local_sdk(sdk_defaults(&config), agentcore_endpoint)
        .load()
        .await;
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
    })
}
