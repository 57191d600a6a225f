//! `local-lambda`: the webhook binary behind a local API Gateway, for `make local`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use local_lambda::{
    FunctionProcess, FunctionUrl, FunctionUrlConfig, Gateway, GatewayConfig, LocalCredentials,
    Outcome, RuntimeApi, responses_from_template, routes_from_template,
};

/// Serves `POST /{stage}/webhook/{source}` and `POST /{stage}/v1/agents/{agent}/invoke` like the
/// deployed API Gateway REST API (the API key checked, from x-api-key or the key authorizer),
/// turning each request into a REST proxy event for the real Lambda binary, which runs as a
/// child process against a local Lambda Runtime API. With `--stream-binary`, also serves that binary behind a local Function URL
/// (SigV4 auth, response streaming), as the template's streaming function.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The Lambda bootstrap binary (e.g. target/debug/webhook).
    #[arg(long)]
    binary: PathBuf,
    /// The key authorizer binary (e.g. target/debug/authorizer): API keys are then taken from it
    /// (`ApiKeySourceType: AUTHORIZER`, so `Authorization: Bearer <key>` works too), as deployed.
    #[arg(long)]
    authorizer_binary: Option<PathBuf>,
    /// The SAM template whose API the gateway serves: its routes (and which need a key) and the
    /// GatewayResponses that shape the gateway's own refusals.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// The API's logical id in the template.
    #[arg(long, default_value = "WebhookApi")]
    api: String,
    /// Address the API listens on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: String,
    /// API Gateway stage name (the first path segment).
    #[arg(long, default_value = "prod")]
    stage: String,
    /// The API key callers must send in x-api-key; empty disables the check.
    #[arg(
        long,
        env = "LOCAL_API_KEY",
        default_value = "localdevkey0123456789abcdef"
    )]
    api_key: String,
    /// Integration timeout in seconds (API Gateway's default is 29).
    #[arg(long, default_value_t = 29)]
    timeout: u64,
    /// Concurrent function instances.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Extra environment for the function, KEY=VALUE (repeatable).
    #[arg(long = "env", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// The streaming Lambda binary (e.g. target/debug/stream), served behind a Function URL.
    #[arg(long)]
    stream_binary: Option<PathBuf>,
    /// Address the Function URL listens on.
    #[arg(long, default_value = "127.0.0.1:3001")]
    stream_addr: String,
    /// The access key id the Function URL accepts in SigV4 signatures (AuthType AWS_IAM).
    #[arg(long, default_value = "local")]
    url_access_key: String,
    /// The secret access key for that key id.
    #[arg(long, default_value = "local")]
    url_secret_key: String,
    /// The region requests must be signed for.
    #[arg(long, default_value = "us-east-1")]
    url_region: String,
    /// Instead of serving: send this Lambda event file (e.g. events/servicenow-incident.json)
    /// to the function once, print the proxy response, and exit.
    #[arg(long, value_name = "EVENT_FILE")]
    invoke: Option<PathBuf>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    anyhow::ensure!(
        args.binary.is_file(),
        "--binary {} does not exist; build it first",
        args.binary.display()
    );

    let runtime = Arc::new(RuntimeApi::start().await.context("start the Runtime API")?);
    if let Some(event_file) = &args.invoke {
        return invoke_once(&args, &runtime, event_file).await;
    }
    for _ in 0..args.concurrency.max(1) {
        supervise(args.binary.clone(), runtime.address(), args.env.clone());
    }
    let mut config = GatewayConfig::webhook(
        &args.stage,
        Some(args.api_key.clone()).filter(|k| !k.is_empty()),
    );
    config.integration_timeout = Duration::from_secs(args.timeout);
    config.routes = routes_from_template(&args.template, &args.api)
        .with_context(|| format!("the routes of {} in --template", args.api))?;
    config.responses = responses_from_template(&args.template, &args.api)
        .with_context(|| format!("the gateway responses of {} in --template", args.api))?;
    let gateway = match &args.authorizer_binary {
        None => Gateway::start(&args.addr, config, runtime).await,
        Some(binary) => {
            anyhow::ensure!(
                binary.is_file(),
                "--authorizer-binary {} does not exist; build it first",
                binary.display()
            );
            let authorizer = Arc::new(RuntimeApi::start().await.context("start the Runtime API")?);
            supervise(binary.clone(), authorizer.address(), Vec::new());
            Gateway::start_with_authorizer(&args.addr, config, runtime, authorizer).await
        }
    }
    .with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!(url = %gateway.url(&args.stage), "local API Gateway ready");
    let _function_url = match &args.stream_binary {
        Some(binary) => Some(serve_function_url(&args, binary).await?),
        None => None,
    };
    gateway.wait().await;
    Ok(())
}

/// The streaming binary behind a Function URL with IAM auth and its own Runtime API.
async fn serve_function_url(args: &Args, binary: &std::path::Path) -> anyhow::Result<FunctionUrl> {
    anyhow::ensure!(
        binary.is_file(),
        "--stream-binary {} does not exist; build it first",
        binary.display()
    );
    let runtime = Arc::new(RuntimeApi::start().await.context("start the Runtime API")?);
    for _ in 0..args.concurrency.max(1) {
        supervise(binary.to_path_buf(), runtime.address(), args.env.clone());
    }
    let config = FunctionUrlConfig {
        iam: Some(LocalCredentials {
            access_key_id: args.url_access_key.clone(),
            secret_access_key: args.url_secret_key.clone(),
            region: args.url_region.clone(),
        }),
        timeout: Duration::from_secs(900),
    };
    let url = FunctionUrl::start(&args.stream_addr, config, runtime)
        .await
        .with_context(|| format!("cannot listen on {}", args.stream_addr))?;
    tracing::info!(url = %url.url(), "local Function URL (AWS_IAM, RESPONSE_STREAM) ready");
    Ok(url)
}

/// Runs one event through one function instance, like `sam local invoke -e`.
async fn invoke_once(
    args: &Args,
    runtime: &RuntimeApi,
    event_file: &std::path::Path,
) -> anyhow::Result<()> {
    let event =
        std::fs::read(event_file).with_context(|| format!("read {}", event_file.display()))?;
    serde_json::from_slice::<serde_json::Value>(&event)
        .with_context(|| format!("{} is not a JSON Lambda event", event_file.display()))?;
    let _function = FunctionProcess::spawn(&args.binary, &runtime.address(), &args.env)?;
    match runtime
        .invoke(event.into(), Duration::from_secs(args.timeout))
        .await?
    {
        Outcome::Response(doc) => {
            let doc: serde_json::Value =
                serde_json::from_slice(&doc).context("the function's response is not JSON")?;
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
        Outcome::Error(e) => anyhow::bail!("the function reported an error: {e}"),
        Outcome::Streaming(mut stream) => {
            println!("{}", serde_json::to_string_pretty(&stream.prelude)?);
            while let Some(chunk) = stream.body.recv().await {
                let chunk = chunk.map_err(|e| anyhow::anyhow!("the stream failed: {e}"))?;
                print!("{}", String::from_utf8_lossy(&chunk));
            }
            Ok(())
        }
    }
}

/// Keeps one function instance running: like Lambda, a crashed instance is replaced.
fn supervise(binary: PathBuf, runtime_api: String, env: Vec<(String, String)>) {
    tokio::spawn(async move {
        loop {
            match FunctionProcess::spawn(&binary, &runtime_api, &env) {
                Ok(mut p) => {
                    let status = p.wait().await;
                    tracing::warn!(?status, "function process exited; starting a new one");
                }
                Err(e) => tracing::error!(error = %e, "cannot start the function"),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}
