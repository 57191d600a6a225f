//! The storm itself: deliveries sent evenly over the run through the API (some repeating an
//! earlier one, as senders' retries do), and poison messages put straight on the queue.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::settings::StormSettings;

/// Deliveries in flight at once at most (a sender's connection pool).
const IN_FLIGHT: usize = 128;

/// What the senders were told.
#[derive(Debug, Default)]
pub struct Sent {
    /// Answered 202 with a job.
    pub accepted: usize,
    /// Every other answer, by status.
    pub refused: HashMap<u16, usize>,
    /// The distinct jobs the accepted deliveries name.
    pub job_ids: HashSet<String>,
    /// Deliveries that repeated an earlier body.
    pub duplicates_sent: usize,
    /// Poison messages put on the queue.
    pub poison_sent: usize,
    /// When the first delivery went out.
    pub started: Option<Instant>,
    /// How long sending took.
    pub sending: Duration,
}

/// The body of distinct incident `n`.
fn incident(n: usize) -> Value {
    json!({
        "number": format!("INC{:07}", 1_000_000 + n),
        "short_description": format!("Storm incident {n}: checkout latency alarm"),
        "description": "Raised by monitoring during an outage; many tickets opened at once.",
        "urgency": "1",
        "impact": "1",
        "priority": "1",
        "category": "network",
        "caller_id": "Monitoring",
        "state": "1",
        "sys_id": format!("{:032x}", 0x5707_0000_0000_0000u64 + n as u64),
        "sys_updated_on": "2026-11-30 09:00:00",
    })
}

/// Which incident delivery `i` carries: every `1/share`-th delivery repeats the one just before
/// it, so duplicates arrive while the original may still be queued or running.
fn incident_of(i: usize, settings: &StormSettings) -> (usize, bool) {
    let dups = settings.duplicates();
    if dups == 0 {
        return (i, false);
    }
    let every = (settings.deliveries / dups).max(2);
    let repeats = i % every == every - 1;
    let earlier_repeats = i / every;
    let n = i - earlier_repeats;
    if repeats { (n - 1, true) } else { (n, false) }
}

/// Sends the storm through the API at `api`, and its poison onto `queue_url`.
pub async fn send(
    settings: &StormSettings,
    api: &str,
    api_key: &str,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Sent {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .expect("an HTTP client");
    let url = format!("{api}/webhook/servicenow");
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let poison = settings.poison();
    let poison_every = settings
        .deliveries
        .checked_div(poison)
        .map_or(usize::MAX, |every| every.max(1));
    let started = Instant::now();
    let gap = settings.over.div_f64(settings.deliveries.max(1) as f64);
    let mut tasks = Vec::with_capacity(settings.deliveries);
    let mut sent = Sent {
        started: Some(started),
        ..Sent::default()
    };
    for i in 0..settings.deliveries {
        tokio::time::sleep_until((started + gap.mul_f64(i as f64)).into()).await;
        let (n, repeat) = incident_of(i, settings);
        sent.duplicates_sent += usize::from(repeat);
        if i % poison_every == poison_every - 1 && sent.poison_sent < poison {
            sent.poison_sent += 1;
            let sqs = sqs.clone();
            let queue_url = queue_url.to_owned();
            tasks.push(tokio::spawn(async move {
                let body = format!("{{\"not\": \"a job\", \"n\": {i}}}");
                let put = sqs
                    .send_message()
                    .queue_url(queue_url)
                    .message_body(body)
                    .send()
                    .await;
                (if put.is_ok() { 0 } else { 1 }, None)
            }));
        }
        let permit = gate.clone().acquire_owned().await.expect("open semaphore");
        let request = http
            .post(&url)
            .header("x-api-key", api_key)
            .header("content-type", "application/json")
            .body(incident(n).to_string());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            match request.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.bytes().await.unwrap_or_default();
                    let doc: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    (status, doc["job_id"].as_str().map(str::to_owned))
                }
                Err(_) => (599, None),
            }
        }));
    }
    for task in tasks {
        match task.await {
            // A poison message put on the queue.
            Ok((0, None)) => {}
            Ok((202, Some(job))) => {
                sent.accepted += 1;
                sent.job_ids.insert(job);
            }
            Ok((status, _)) => *sent.refused.entry(status).or_default() += 1,
            Err(_) => *sent.refused.entry(599).or_default() += 1,
        }
    }
    sent.sending = started.elapsed();
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(deliveries: usize, share: f64) -> StormSettings {
        StormSettings {
            deliveries,
            over: Duration::from_secs(1),
            duplicate_share: share,
            poison_share: 0.0,
            tps: 25,
            max_active_sessions: 1000,
            idle_timeout: Duration::from_secs(900),
            time_scale: 1.0,
            agent_latency: Duration::ZERO,
            webhook_instances: 1,
            worker_concurrency: 1,
            max_receives: 3,
            worker_timeout: Duration::from_secs(10),
            release_sessions: "unused".into(),
        }
    }

    #[test]
    fn a_fifth_of_deliveries_repeat_the_one_before_and_the_rest_are_distinct() {
        let s = settings(100, 0.2);
        let picks: Vec<_> = (0..100).map(|i| incident_of(i, &s)).collect();
        assert_eq!(picks.iter().filter(|(_, r)| *r).count(), 20);
        let distinct: HashSet<usize> = picks.iter().map(|(n, _)| *n).collect();
        assert_eq!(distinct.len(), 80);
        assert_eq!(picks[4], (3, true));
        assert_eq!(picks[5], (4, false));
    }

    #[test]
    fn without_duplicates_every_delivery_is_its_own_incident() {
        let s = settings(10, 0.0);
        assert!((0..10).all(|i| incident_of(i, &s) == (i, false)));
    }
}
