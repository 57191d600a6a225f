//! `bridge jobs` against moto's DynamoDB and SQS, as an operator runs it against a deployed stack
//! (credentials from the environment, the endpoints moved with `AWS_ENDPOINT_URL_*`).

use std::time::{Duration, SystemTime};

use job_store::{IdempotencyKey, JobMessage, JobMode, JobRecord, JobStore, NewJob};
use serde_json::{Value, json};

use crate::support::{run, stderr, stdout};

/// The operator's environment, pointed at moto.
fn aws_env() -> Vec<(&'static str, String)> {
    let moto = local_moto::moto().endpoint.clone();
    vec![
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL_DYNAMODB", moto.clone()),
        ("AWS_ENDPOINT_URL_SQS", moto),
    ]
}

async fn jobs(args: &[&str]) -> std::process::Output {
    let env = aws_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut argv = vec!["jobs"];
    argv.extend(args);
    run(&argv, &env).await
}

/// A table of its own with a job in it, claimed now.
async fn table_with_job(delivery: &str) -> (JobStore, String, JobRecord) {
    let client = local_moto::dynamodb_client();
    let table = local_moto::unique("cli-jobs");
    local_moto::create_table(&client, &table).await;
    let store = JobStore::new(client, table.clone(), Duration::from_secs(86_400));
    let job = claim(&store, delivery).await;
    (store, table, job)
}

async fn claim(store: &JobStore, delivery: &str) -> JobRecord {
    let new = NewJob {
        key: IdempotencyKey::from_delivery_id("servicenow", delivery).unwrap(),
        mode: JobMode::Async,
        ticket_id: "INC0010001".into(),
        session_id: "servicenow-INC0010001-0123456789abcdef0123456789abcdef".into(),
        fingerprint: "f".repeat(64),
        delivery_id: None,
        principal: "integration:servicenow".into(),
    };
    store
        .claim(new, SystemTime::now())
        .await
        .unwrap()
        .into_record()
}

/// Runs the job and records `outcome`: `Err(code)` fails it.
async fn finish(store: &JobStore, job: &JobRecord, outcome: Result<&str, &str>) {
    let lease = Duration::from_secs(900);
    let now = SystemTime::now();
    let run = store
        .start_attempt(&job.job_id, lease, now)
        .await
        .unwrap()
        .unwrap();
    match outcome {
        Ok(text) => drop(
            store
                .succeed(&job.job_id, run.attempts, text, now)
                .await
                .unwrap(),
        ),
        Err(code) => drop(
            store
                .fail(&job.job_id, run.attempts, code, "timed out", now)
                .await
                .unwrap(),
        ),
    }
}

#[tokio::test]
async fn jobs_list_shows_recent_failures_and_get_prints_a_record() {
    let (store, table, failed) = table_with_job("d-failed").await;
    finish(&store, &failed, Err("AGENT_TIMEOUT")).await;
    let ok = claim(&store, "d-ok").await;
    finish(&store, &ok, Ok("Restart the relay.")).await;

    let listed = jobs(&["list", "--table", &table, "--since", "1h"]).await;
    assert!(listed.status.success(), "{}", stderr(&listed));
    let out = stdout(&listed);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "only the failure: {out}");
    assert!(
        rows[0].starts_with(&format!(
            "{}\tfailed\tservicenow\tINC0010001\t1\tAGENT_TIMEOUT\t",
            failed.job_id
        )),
        "{out}"
    );
    assert!(stderr(&listed).contains("1 failed job(s) in the last 1h"));

    let done = jobs(&["list", "--table", &table, "--status", "succeeded"]).await;
    assert!(stdout(&done).contains(&ok.job_id) && !stdout(&done).contains(&failed.job_id));

    let got = jobs(&["get", &ok.job_id, "--table", &table]).await;
    assert!(got.status.success(), "{}", stderr(&got));
    let record: Value = serde_json::from_str(&stdout(&got)).unwrap();
    assert_eq!(
        (record["status"].clone(), record["analysis"].clone()),
        (json!("succeeded"), json!("Restart the relay."))
    );

    let unknown = IdempotencyKey::from_delivery_id("servicenow", "never")
        .unwrap()
        .job_id();
    let missing = jobs(&["get", &unknown, "--table", &table]).await;
    assert_eq!(
        missing.status.code(),
        Some(3),
        "an unknown job is refused: {}",
        stderr(&missing)
    );
    let bad = jobs(&["get", "not-a-job", "--table", &table]).await;
    assert_eq!(bad.status.code(), Some(2));
    let bad_status = jobs(&["list", "--table", &table, "--status", "lost"]).await;
    assert_eq!(bad_status.status.code(), Some(2));
}

#[tokio::test]
async fn jobs_redrive_moves_job_messages_back_and_reopens_their_failed_jobs() {
    let (store, table, job) = table_with_job("d-dead").await;
    finish(&store, &job, Err("JOBS_UNAVAILABLE")).await;
    let sqs = local_moto::sqs_client();
    let queues = local_moto::create_queues(&sqs, &local_moto::unique("cli-redrive")).await;
    let message = JobMessage {
        job_id: job.job_id.clone(),
        source: "servicenow".into(),
        ticket_id: "INC0010001".into(),
        session_id: job.session_id.clone(),
        user_id: None,
        payload: json!({"prompt": "Triage INC0010001"}),
        write_back: None,
        release_session: false,
        deferrals: 0,
    };
    for body in [message.to_sqs_body().unwrap(), "not a job".to_owned()] {
        sqs.send_message()
            .queue_url(&queues.dlq_url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }

    let moved = jobs(&[
        "redrive",
        "--table",
        &table,
        "--queue-url",
        &queues.url,
        "--dead-letter-queue-url",
        &queues.dlq_url,
    ])
    .await;
    assert!(moved.status.success(), "{}", stderr(&moved));
    assert_eq!(
        stdout(&moved).trim(),
        "moved 1 job message(s) back to the job queue (1 failed job(s) reopened); 1 message(s) are not jobs and stay in the dead-letter queue"
    );
    // The job waits on the job queue, reopened so that the worker runs it again.
    let received = sqs
        .receive_message()
        .queue_url(&queues.url)
        .send()
        .await
        .unwrap();
    let body = received.messages()[0].body().unwrap();
    assert_eq!(JobMessage::from_sqs_body(body).unwrap(), message);
    let record = store.get(&job.job_id).await.unwrap().unwrap();
    assert_eq!(
        (record.status.as_str(), record.error_code),
        ("queued", None)
    );
    // The poison message stays in the dead-letter queue.
    assert_eq!(local_moto::depth(&sqs, &queues.dlq_url).await, 1);
}
