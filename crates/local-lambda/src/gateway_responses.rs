//! API Gateway's own refusals as the deployed API renders them: the `GatewayResponses` of an
//! `AWS::Serverless::Api` in the SAM template (read by `template`) (status, headers, the `application/json` template
//! with `$context.requestId` filled in), falling back like API Gateway to `DEFAULT_4XX` /
//! `DEFAULT_5XX` and then to its default `{"message": …}` body.

use std::collections::HashMap;
use std::path::Path;

use serde_norway::Value as Yaml;

/// One response type's rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayResponse {
    /// `StatusCode`, when the template overrides the type's own.
    pub status: Option<u16>,
    /// `ResponseParameters.Headers`, values unquoted (`"'5'"` → `5`).
    pub headers: Vec<(String, String)>,
    /// `ResponseTemplates["application/json"]`.
    pub body: Option<String>,
}

/// The gateway responses of one API, by response type (`INVALID_API_KEY`, `DEFAULT_4XX`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayResponses(HashMap<String, GatewayResponse>);

/// Why a template's responses could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    /// It is not YAML, or the API has no such shape.
    #[error("{0}")]
    Shape(String),
}

impl GatewayResponses {
    /// The `GatewayResponses` of the API `api` in the parsed template `doc` (read from `path`).
    pub(crate) fn from_yaml(
        doc: &Yaml,
        api: &str,
        path: &Path,
    ) -> Result<GatewayResponses, TemplateError> {
        let responses = &doc["Resources"][api]["Properties"]["GatewayResponses"];
        let Some(map) = responses.as_mapping() else {
            return Err(TemplateError::Shape(format!(
                "{api} has no GatewayResponses in {}",
                path.display()
            )));
        };
        let mut out = HashMap::new();
        for (kind, spec) in map {
            let Some(kind) = kind.as_str() else { continue };
            let status = spec["StatusCode"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| spec["StatusCode"].as_u64().map(|s| s as u16));
            let headers = spec["ResponseParameters"]["Headers"]
                .as_mapping()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| {
                    let value = v.as_str()?.trim_matches('\'').to_owned();
                    Some((k.as_str()?.to_owned(), value))
                })
                .collect();
            let body = spec["ResponseTemplates"]["application/json"]
                .as_str()
                .map(str::to_owned);
            out.insert(
                kind.to_owned(),
                GatewayResponse {
                    status,
                    headers,
                    body,
                },
            );
        }
        Ok(GatewayResponses(out))
    }

    /// How API Gateway answers `kind` (with its default `status` and `message`): the type's own
    /// response, else `DEFAULT_4XX`/`DEFAULT_5XX`, else its default body.
    pub(crate) fn render(
        &self,
        kind: &str,
        status: u16,
        message: &str,
        request_id: &str,
    ) -> (u16, Vec<(String, String)>, String) {
        let fallback = if status >= 500 {
            "DEFAULT_5XX"
        } else {
            "DEFAULT_4XX"
        };
        let default_body = serde_json::json!({ "message": message }).to_string();
        let Some(r) = self.0.get(kind).or_else(|| self.0.get(fallback)) else {
            return (status, Vec::new(), default_body);
        };
        let body = r.body.as_ref().map_or(default_body, |t| {
            t.replace("$context.requestId", request_id)
                .replace("$context.error.message", message)
        });
        (r.status.unwrap_or(status), r.headers.clone(), body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template_responses() -> GatewayResponses {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let doc: Yaml = serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        GatewayResponses::from_yaml(&doc, "WebhookApi", &path).expect("the template's responses")
    }

    #[test]
    fn the_templates_own_responses_are_rendered_with_the_request_id() {
        let r = template_responses();
        let (status, headers, body) = r.render("UNAUTHORIZED", 401, "Unauthorized", "rid-1");
        assert_eq!(status, 401);
        assert!(headers.contains(&("WWW-Authenticate".into(), "Bearer".into())));
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "API_KEY_REQUIRED");
        assert_eq!(body["request_id"], "rid-1");
    }

    #[test]
    fn types_the_template_leaves_out_fall_back_like_api_gateway() {
        let r = template_responses();
        // No ACCESS_DENIED in the template: DEFAULT_4XX is not set either, so API Gateway's own.
        let (status, _, body) = r.render("ACCESS_DENIED", 403, "denied", "rid");
        assert_eq!((status, body.as_str()), (403, r#"{"message":"denied"}"#));
        // DEFAULT_5XX is set: an integration failure gets its envelope.
        let (_, _, body) = r.render("INTEGRATION_FAILURE", 502, "Internal server error", "rid");
        assert!(body.contains("GATEWAY_ERROR"), "{body}");
    }
}
