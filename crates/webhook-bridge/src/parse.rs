//! Reading what arrived (the pure work is `ticket_prompt`'s): a webhook delivery into its event,
//! with the two reasons to acknowledge one without analysing it (an event the source does not
//! act on; the bridge's own write-back coming back); and an invoke request, in the invoke API's
//! shape or Pika's.

use ticket_prompt::{Delivery, DirectInvoke, InvokeRequest, Source, read_delivery};

use crate::config::SourceSettings;
use crate::error::BridgeError;

/// Why a delivery is acknowledged and not analysed. The first two are read here; a replay is
/// found when the delivery meets the jobs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanalysed {
    /// An event the source is not configured to analyse.
    Event,
    /// Caused by the bridge's own integration user (a write-back coming back).
    OwnUpdate,
    /// A signed body received before under another delivery id.
    Replay,
}

/// A delivery, read.
pub enum Read {
    /// Acknowledged, never analysed.
    Ignored {
        /// The event name.
        event: String,
        /// Why.
        reason: Unanalysed,
    },
    /// To analyse.
    Analyse(Delivery),
}

/// Reads a delivery from `source` and decides whether it is analysed.
pub fn delivery(
    settings: &SourceSettings,
    source: Source,
    body: &[u8],
    event_hint: Option<&str>,
) -> Result<Read, BridgeError> {
    let delivery = read_delivery(source, body, event_hint)?;
    if !settings.acts_on(&delivery.event) {
        return Ok(Read::Ignored {
            event: delivery.event,
            reason: Unanalysed::Event,
        });
    }
    // The bridge's own write-back fires the webhook again: acknowledge, never analyse.
    if settings.caused_by_integration(&delivery.actors()) {
        return Ok(Read::Ignored {
            event: delivery.event,
            reason: Unanalysed::OwnUpdate,
        });
    }
    Ok(Read::Analyse(delivery))
}

/// Reads an invoke API body.
pub fn query(body: &[u8]) -> Result<InvokeRequest, BridgeError> {
    Ok(InvokeRequest::parse(body)?)
}

/// Reads a direct invocation (Pika's `direct-agent-invoke`): the agent it names and its request.
pub fn direct(body: &[u8]) -> Result<(String, InvokeRequest), BridgeError> {
    let direct = DirectInvoke::parse(body)?;
    Ok((direct.agent_id, direct.request))
}
