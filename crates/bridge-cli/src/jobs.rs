//! `bridge jobs`: an operator's view of the deployed stack's asynchronous jobs, straight from the
//! jobs table and the queues (not through the API: the API shows a caller its own jobs, this
//! shows an operator all of them). Credentials and region come from the standard AWS chain, and
//! `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SQS` point it elsewhere (tests use moto).

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use job_store::{JobMessage, JobMode, JobQueue, JobRecord, JobStatus, JobStore, is_job_id};

use crate::cli::{JobsCommand, JobsTable};
use crate::exit::CliError;
use crate::terminal::terminal_safe;

/// The store's TTL matters only for writes; `reopen` gives a redriven job a fresh day.
const TTL: Duration = Duration::from_secs(24 * 3600);

/// Runs one `bridge jobs` command.
pub async fn run(command: &JobsCommand) -> Result<(), CliError> {
    let aws = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let store = |table: &JobsTable| {
        JobStore::new(aws_sdk_dynamodb::Client::new(&aws), table.name.clone(), TTL)
    };
    match command {
        JobsCommand::Get { id, table } => get(&store(table), id).await,
        JobsCommand::List {
            status,
            since,
            table,
        } => list(&store(table), *status, *since).await,
        JobsCommand::Redrive {
            queue_url,
            dead_letter_queue_url,
            max,
            table,
        } => {
            let sqs = aws_sdk_sqs::Client::new(&aws);
            let queues = Queues {
                sqs: &sqs,
                jobs: JobQueue::new(sqs.clone(), queue_url.clone()),
                dead_letters: dead_letter_queue_url,
            };
            redrive(&store(table), &queues, *max).await
        }
    }
}

async fn get(store: &JobStore, id: &str) -> Result<(), CliError> {
    if !is_job_id(id) {
        return Err(CliError::Usage(
            "a job id is job_ followed by 32 hex digits".into(),
        ));
    }
    let record = store.get(id).await.map_err(store_error)?;
    match record.filter(|r| !r.is_expired(SystemTime::now())) {
        Some(record) => {
            let text = serde_json::to_string_pretty(&record).unwrap_or_default();
            println_safe(&text)
        }
        None => Err(CliError::Refused(format!("no job {id} in the table"))),
    }
}

async fn list(store: &JobStore, status: JobStatus, since: Duration) -> Result<(), CliError> {
    let now = SystemTime::now();
    let records = store
        .list(status, now - since, now)
        .await
        .map_err(store_error)?;
    let mut out = String::from("JOB ID\tSTATUS\tSOURCE\tTICKET\tATTEMPTS\tERROR\tUPDATED\n");
    for r in &records {
        out.push_str(&row(r));
    }
    print!("{}", terminal_safe(&out));
    eprintln!(
        "{} {} job(s) in the last {}",
        records.len(),
        status.as_str(),
        humantime::format_duration(since)
    );
    std::io::stdout().flush().map_err(CliError::stdout)
}

/// One job as a tab-separated line.
fn row(r: &JobRecord) -> String {
    let updated = humantime::format_rfc3339_seconds(
        SystemTime::UNIX_EPOCH + Duration::from_millis(r.updated_at_ms),
    );
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        r.job_id,
        r.status.as_str(),
        r.source,
        r.ticket_id.replace(['\t', '\n'], " "),
        r.attempts,
        r.error_code.as_deref().unwrap_or("-"),
        updated
    )
}

/// The two queues a redrive moves between.
struct Queues<'a> {
    sqs: &'a aws_sdk_sqs::Client,
    jobs: JobQueue,
    dead_letters: &'a str,
}

/// What a redrive did.
#[derive(Debug, Default)]
struct Redriven {
    moved: usize,
    reopened: usize,
    not_jobs: usize,
}

/// Receives from the dead-letter queue until it is empty (or `max` messages were seen): each
/// job message is sent to the job queue, its job reopened if it is recorded as failed (so the
/// worker runs it again), and only then deleted from the dead-letter queue (a failure between
/// the two leaves a duplicate, which the worker's lease makes harmless, never a loss).
async fn redrive(store: &JobStore, queues: &Queues<'_>, max: usize) -> Result<(), CliError> {
    let mut done = Redriven::default();
    let mut seen = HashSet::new();
    while seen.len() < max {
        let batch = queues
            .sqs
            .receive_message()
            .queue_url(queues.dead_letters)
            .max_number_of_messages(i32::try_from((max - seen.len()).min(10)).unwrap_or(10))
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| sqs_error("receive from the dead-letter queue", &e))?;
        let fresh: Vec<_> = batch
            .messages()
            .iter()
            .filter(|m| seen.insert(m.message_id().unwrap_or_default().to_owned()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for message in fresh {
            let Ok(job) = JobMessage::from_sqs_body(message.body().unwrap_or_default()) else {
                done.not_jobs += 1;
                continue;
            };
            if store
                .reopen(&job.job_id, JobMode::Async, SystemTime::now())
                .await
                .map_err(store_error)?
                .is_some()
            {
                done.reopened += 1;
            }
            queues.jobs.enqueue(&job).await.map_err(|e| {
                CliError::Failed(format!("cannot send {} to the job queue: {e}", job.job_id))
            })?;
            queues
                .sqs
                .delete_message()
                .queue_url(queues.dead_letters)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .map_err(|e| sqs_error("delete from the dead-letter queue", &e))?;
            eprintln!("moved {}", job.job_id);
            done.moved += 1;
        }
    }
    println_safe(&format!(
        "moved {} job message(s) back to the job queue ({} failed job(s) reopened); {} message(s) are not jobs and stay in the dead-letter queue",
        done.moved, done.reopened, done.not_jobs
    ))
}

fn println_safe(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", terminal_safe(text)).map_err(CliError::stdout)
}

fn store_error(e: job_store::StoreError) -> CliError {
    CliError::Failed(format!("jobs table: {e}"))
}

fn sqs_error<E, R>(what: &str, e: &aws_sdk_sqs::error::SdkError<E, R>) -> CliError
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = e
        .as_service_error()
        .and_then(|s| s.code())
        .unwrap_or("unavailable");
    CliError::Failed(format!("cannot {what}: {detail}"))
}
