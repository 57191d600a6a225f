//! What the SAM template says about one REST API, so the local gateway serves it as deployed:
//! its routes (every function event of type `Api` on it: path, method, whether a key is required)
//! and its `GatewayResponses`.

use std::path::Path;

use serde_norway::Value as Yaml;

use crate::gateway::RouteSpec;
use crate::gateway_responses::{GatewayResponses, TemplateError};

/// The routes of the API `api` (its logical id) in the SAM template at `path`.
pub fn routes_from_template(path: &Path, api: &str) -> Result<Vec<RouteSpec>, TemplateError> {
    let doc = read(path)?;
    let resources = doc["Resources"]
        .as_mapping()
        .ok_or_else(|| TemplateError::Shape(format!("{} has no Resources", path.display())))?;
    // The API's own default; an event's Auth.ApiKeyRequired overrides it.
    let api_default = doc["Resources"][api]["Properties"]["Auth"]["ApiKeyRequired"]
        .as_bool()
        .unwrap_or(false);
    let mut routes = Vec::new();
    for resource in resources.values() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            let props = &event["Properties"];
            if event["Type"].as_str() != Some("Api") || !refers_to(&props["RestApiId"], api) {
                continue;
            }
            let (Some(path), Some(method)) = (props["Path"].as_str(), props["Method"].as_str())
            else {
                continue;
            };
            routes.push(RouteSpec {
                method: method.to_ascii_uppercase(),
                resource: path.to_owned(),
                api_key_required: props["Auth"]["ApiKeyRequired"]
                    .as_bool()
                    .unwrap_or(api_default),
            });
        }
    }
    if routes.is_empty() {
        return Err(TemplateError::Shape(format!(
            "no function event serves {api} in {}",
            path.display()
        )));
    }
    Ok(routes)
}

/// The `GatewayResponses` of the API `api` in the SAM template at `path`.
pub fn responses_from_template(path: &Path, api: &str) -> Result<GatewayResponses, TemplateError> {
    GatewayResponses::from_yaml(&read(path)?, api, path)
}

fn read(path: &Path) -> Result<Yaml, TemplateError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TemplateError::Read(path.display().to_string(), e))?;
    serde_norway::from_str(&text)
        .map_err(|e| TemplateError::Shape(format!("{}: {e}", path.display())))
}

/// Whether `value` is `!Ref <api>` (the short form) or `{"Ref": <api>}`.
fn refers_to(value: &Yaml, api: &str) -> bool {
    match value {
        Yaml::Tagged(tagged) => tagged.tag == "Ref" && tagged.value.as_str() == Some(api),
        other => other["Ref"].as_str() == Some(api),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_apis_routes_are_the_templates_and_all_need_a_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let mut routes: Vec<(String, String, bool)> = routes_from_template(&path, "WebhookApi")
            .unwrap()
            .into_iter()
            .map(|r| (r.method, r.resource, r.api_key_required))
            .collect();
        routes.sort();
        assert_eq!(
            routes,
            [
                ("GET".into(), "/jobs/{job_id}".into(), true),
                ("POST".into(), "/v1/agents/{agent}/invoke".into(), true),
                ("POST".into(), "/webhook/{source}".into(), true),
            ]
        );
        // The key-less API: signed webhooks only, no key.
        let keyless = routes_from_template(&path, "SignedWebhookApi").unwrap();
        assert!(
            keyless
                .iter()
                .all(|r| !r.api_key_required && r.method == "POST")
        );
        let mut resources: Vec<_> = keyless.into_iter().map(|r| r.resource).collect();
        resources.sort();
        // The senders that cannot send an API key.
        assert_eq!(
            resources,
            [
                "/webhook/cloudwatch",
                "/webhook/github",
                "/webhook/jira",
                "/webhook/linear",
                "/webhook/sentry",
                "/webhook/splunk"
            ]
        );
    }
}
