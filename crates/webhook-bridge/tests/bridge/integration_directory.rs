//! The integration directory as the template deploys it: one SSM String parameter per
//! integration under `INTEGRATIONS_PARAMETER_PATH`, holding its API key id, read by the real SDK
//! from moto's SSM. An integration added later is found without a redeploy; a directory that
//! cannot be read refuses every key.

use http::StatusCode;
use local_agentcore::RunningAgentCore;
use serde_json::Value;
use webhook_bridge::Bridge;

use crate::support::{
    assert_error, bridge_with_secrets, call, event_json, local_agentcore, moto_secret_clients,
    request,
};

/// What the template's `IntegrationXParameter` resource writes.
async fn put_integration(ssm: &aws_sdk_ssm::Client, path: &str, name: &str, key_id: &str) {
    ssm.put_parameter()
        .name(format!("{path}/{name}"))
        .value(key_id)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .expect("put the integration's parameter");
}

fn as_key(fixture: &str, key_id: &str) -> lambda_http::Request {
    let mut ev = event_json(fixture);
    ev["requestContext"]["identity"]["apiKeyId"] = Value::from(key_id);
    request(&ev)
}

struct Directory {
    agentcore: RunningAgentCore,
    ssm: aws_sdk_ssm::Client,
    path: String,
}

impl Directory {
    async fn start() -> Directory {
        let agentcore = local_agentcore().await;
        Directory {
            agentcore,
            ssm: moto_secret_clients().0,
            path: format!("/{}/integrations", local_moto::unique("stack")),
        }
    }

    async fn bridge(&self, ssm_endpoint: &str) -> Bridge {
        bridge_with_secrets(
            &self.agentcore.endpoint_url(),
            ssm_endpoint,
            &[("INTEGRATIONS_PARAMETER_PATH", self.path.as_str())],
        )
        .await
    }
}

#[tokio::test]
async fn integrations_are_read_from_ssm_and_one_added_later_is_found_on_its_first_request() {
    let d = Directory::start().await;
    put_integration(&d.ssm, &d.path, "ServiceNowProd", "snk3y00001").await;
    // A parameter elsewhere is no integration.
    put_integration(&d.ssm, &format!("{}/old", d.path), "OpsCli", "0ldk3y0001").await;
    let bridge = d.bridge(&local_moto::moto().endpoint).await;
    bridge.prefetch_secrets().await;

    let own = call(&bridge, as_key("servicenow-incident.json", "snk3y00001")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.raw);
    let other_route = call(&bridge, as_key("invoke-api.json", "snk3y00001")).await;
    assert_error(&other_route, 403, "ROUTE_NOT_ALLOWED");

    // `sam deploy` with OpsCli added to Integrations: the warm function learns it on its first
    // request, from the parameter, with no redeploy of the function.
    put_integration(&d.ssm, &d.path, "OpsCli", "cl1k3y0001").await;
    let added = call(&bridge, as_key("invoke-api.json", "cl1k3y0001")).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.raw);
    // Both reads saw the parameter one level down; it names no integration.
    let nested = call(&bridge, as_key("invoke-api.json", "0ldk3y0001")).await;
    assert_error(&nested, 403, "ROUTE_NOT_ALLOWED");
    assert_eq!(
        d.agentcore.invocation_count(),
        2,
        "only the allowed calls ran"
    );
}

#[tokio::test]
async fn unknown_keys_reread_the_directory_at_most_once_per_interval() {
    let d = Directory::start().await;
    put_integration(&d.ssm, &d.path, "OpsCli", "cl1k3y0001").await;
    let bridge = d.bridge(&local_moto::moto().endpoint).await;
    bridge.prefetch_secrets().await;

    put_integration(&d.ssm, &d.path, "ToolA", "t00lak3y01").await;
    let first = call(&bridge, as_key("invoke-api.json", "t00lak3y01")).await;
    assert_eq!(
        first.status,
        StatusCode::OK,
        "the first unknown key rereads"
    );
    // Another key within the interval is answered from what was read: a burst of unknown keys
    // costs one read of SSM, not one per request.
    put_integration(&d.ssm, &d.path, "ToolB", "t00lbk3y01").await;
    let second = call(&bridge, as_key("invoke-api.json", "t00lbk3y01")).await;
    assert_error(&second, 403, "ROUTE_NOT_ALLOWED");
    assert_eq!(d.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_directory_that_cannot_be_read_refuses_every_key() {
    let d = Directory::start().await;
    // Nothing listens here: SSM is unreachable.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let bridge = d.bridge(&closed).await;
    bridge.prefetch_secrets().await;
    let reply = call(&bridge, as_key("invoke-api.json", "cl1k3y0001")).await;
    assert_error(&reply, 500, "CONFIGURATION_ERROR");
    assert_eq!(d.agentcore.invocation_count(), 0, "no agent call");
}
