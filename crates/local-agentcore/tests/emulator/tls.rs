//! The emulator over HTTPS as a deployed function meets AgentCore: the real SDK client completes
//! the handshake when it trusts the run's CA and nothing else, a client trusting another CA is
//! refused during the handshake (nothing reaches the agent), HTTP/1.1 is what ALPN settles on,
//! and a function is told to trust the CA and only it.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_bedrockagentcore::Client;
use aws_sdk_bedrockagentcore::config::http::HttpResponse;
use aws_sdk_bedrockagentcore::error::SdkError;
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;
use aws_sdk_bedrockagentcore::primitives::Blob;
use local_agentcore::{
    Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, LocalTls, RunningAgentCore, local_sdk,
};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

const SESSION: &str = "tls-test-session-0123456789abcdef0123456789";

async fn start_https() -> RunningAgentCore {
    LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .with_tls(LocalTls::generate().expect("a CA and certificate are made"))
        .start("127.0.0.1:0")
        .await
        .expect("the emulator listens")
}

/// One invocation through `sdk`, its answer read whole.
async fn invoke(sdk: &Client) -> Result<String, SdkError<InvokeAgentRuntimeError, HttpResponse>> {
    let out = sdk
        .invoke_agent_runtime()
        .agent_runtime_arn(LOCAL_RUNTIME_ARN)
        .qualifier("DEFAULT")
        .runtime_session_id(SESSION)
        .content_type("application/json")
        .payload(Blob::new(&br#"{"prompt": "Is the mail server down?"}"#[..]))
        .send()
        .await?;
    let body = out
        .response
        .collect()
        .await
        .expect("the answer arrives whole");
    Ok(String::from_utf8_lossy(&body.into_bytes()).into_owned())
}

/// The error and every source below it, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[tokio::test]
async fn the_sdk_invokes_over_https_trusting_only_the_runs_ca() {
    let server = start_https().await;
    assert!(
        server.endpoint_url().starts_with("https://127.0.0.1:"),
        "{}",
        server.endpoint_url()
    );
    let config = server
        .sdk(aws_config::defaults(BehaviorVersion::latest()))
        .expect("an HTTP client trusting the CA")
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let answer = invoke(&Client::new(&config))
        .await
        .unwrap_or_else(|e| panic!("the call over HTTPS: {}", chain(&e)));
    assert!(answer.contains("Is the mail server down?"), "{answer}");
    assert_eq!(server.invocation_count(), 1);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_fails_the_handshake() {
    let server = start_https().await;
    let stranger = LocalTls::generate().expect("another CA");
    let config = local_sdk(
        aws_config::defaults(BehaviorVersion::latest()),
        &server.endpoint_url(),
    )
    .http_client(stranger.trusting_http_client().unwrap())
    .retry_config(RetryConfig::disabled())
    .load()
    .await;
    let refused = invoke(&Client::new(&config))
        .await
        .expect_err("a certificate from an unknown CA is refused");
    let text = chain(&refused);
    assert!(
        matches!(refused, SdkError::DispatchFailure(_)),
        "fails before any response: {text}"
    );
    assert!(
        text.contains("invalid peer certificate: UnknownIssuer"),
        "the certificate's issuer is what the client refuses: {text}"
    );
    assert_eq!(server.invocation_count(), 0, "nothing reached the agent");

    // The refused handshake does not stop the server: a trusting client still gets through.
    let config = server
        .sdk(aws_config::defaults(BehaviorVersion::latest()))
        .unwrap()
        .load()
        .await;
    invoke(&Client::new(&config))
        .await
        .expect("served after a refusal");
}

#[tokio::test]
async fn alpn_settles_on_http_1_1_for_a_client_offering_h2_too() {
    let server = start_https().await;
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::pem::PemObject::from_pem_slice(server.ca_pem().unwrap().as_bytes())
        .expect("the CA's PEM parses");
    roots.add(ca).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    for name in ["127.0.0.1", "localhost"] {
        let tcp = TcpStream::connect(server.addr()).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config.clone()))
            .connect(ServerName::try_from(name).unwrap(), tcp)
            .await
            .unwrap_or_else(|e| panic!("the certificate is valid for {name}: {e}"));
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    }
}

#[tokio::test]
async fn a_function_is_told_to_trust_the_ca_and_nothing_else() {
    let server = start_https().await;
    let env: std::collections::HashMap<_, _> = server.function_env().into_iter().collect();
    let ca_file = server.ca_file().unwrap().display().to_string();
    assert_eq!(
        env["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE"],
        server.endpoint_url()
    );
    assert_eq!(env["SSL_CERT_FILE"], ca_file);
    assert_eq!(env["AWS_CA_BUNDLE"], ca_file);
    assert_eq!(env["SSL_CERT_DIR"], "", "no directory of other roots");
    assert_eq!(
        std::fs::read_to_string(&ca_file).unwrap(),
        server.ca_pem().unwrap()
    );

    let plain = LocalAgentCore::new().start("127.0.0.1:0").await.unwrap();
    let env: std::collections::HashMap<_, _> = plain.function_env().into_iter().collect();
    assert!(env["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE"].starts_with("http://"));
    assert!(!env.contains_key("SSL_CERT_FILE") && !env.contains_key("AWS_CA_BUNDLE"));
    assert_eq!(plain.ca_pem(), None);

    let tls = LocalTls::generate().unwrap();
    let path = tls.ca_file().to_owned();
    drop(tls);
    assert!(!path.exists(), "a temporary CA file goes with its owner");
}
