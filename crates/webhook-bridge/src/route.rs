//! Which operation a request asks for, from its method and path.
//!
//! API Gateway REST proxy events carry the resource path without the stage (`/webhook/x`), but
//! events from `sam local`, custom domains with base paths, or other front ends may carry a
//! prefix (`/prod/webhook/x`, `/tickets/webhook/x`), so routes match on the path's tail.

use http::Method;
use ticket_prompt::Source;

use crate::error::BridgeError;

/// An operation the bridge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /webhook/{source}` for a supported source.
    Webhook(Source),
    /// `POST /v1/agents/{agent}/invoke`; the name is checked against the configuration later.
    Invoke(String),
    /// `GET /jobs/{job_id}`: an asynchronous delivery's state.
    Job(String),
    /// `POST /`: a direct invocation naming its agent in the body (Pika's `direct-agent-invoke`),
    /// served on the streaming Function URL only.
    DirectInvoke,
}

impl Route {
    /// Whether the route asks an agent directly (and takes users' bearer tokens).
    pub fn is_invoke(&self) -> bool {
        matches!(self, Route::Invoke(_) | Route::DirectInvoke)
    }
}

/// The operation `method` and `path` ask for; otherwise `NOT_FOUND`, `UNSUPPORTED_SOURCE` or
/// `METHOD_NOT_ALLOWED` (with the method the path takes).
pub fn route(method: &Method, path: &str) -> Result<Route, BridgeError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (route, allow) = match segments.as_slice() {
        [] => (Ok(Route::DirectInvoke), "POST"),
        [.., "v1", "agents", agent, "invoke"] => (Ok(Route::Invoke((*agent).to_owned())), "POST"),
        [.., "jobs", id] => (Ok(Route::Job((*id).to_owned())), "GET"),
        [.., "webhook", source] => (
            Source::from_segment(source)
                .map(Route::Webhook)
                .ok_or_else(|| BridgeError::UnsupportedSource((*source).to_owned())),
            "POST",
        ),
        _ => return Err(BridgeError::NotFound),
    };
    // The method is checked first: a wrong method on any webhook path is a 405.
    if method.as_str() != allow {
        return Err(BridgeError::MethodNotAllowed { allow });
    }
    route
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route, or the error's code (with the allowed method for 405s).
    fn at(method: Method, path: &str) -> Result<Route, String> {
        route(&method, path).map_err(|e| match e {
            BridgeError::MethodNotAllowed { allow } => format!("METHOD_NOT_ALLOWED {allow}"),
            BridgeError::UnsupportedSource(s) => format!("UNSUPPORTED_SOURCE {s}"),
            other => other.code().to_owned(),
        })
    }

    #[test]
    fn webhook_paths_with_and_without_prefixes() {
        for p in [
            "/webhook/servicenow",
            "/prod/webhook/servicenow",
            "/Prod/webhook/servicenow/",
            "/base/v1/webhook/servicenow",
        ] {
            assert_eq!(
                at(Method::POST, p),
                Ok(Route::Webhook(Source::ServiceNow)),
                "{p}"
            );
        }
    }

    #[test]
    fn job_paths_are_read_with_get() {
        assert_eq!(
            at(Method::GET, "/prod/jobs/job_0123"),
            Ok(Route::Job("job_0123".into()))
        );
        assert_eq!(
            at(Method::POST, "/jobs/job_0123"),
            Err("METHOD_NOT_ALLOWED GET".into())
        );
        assert_eq!(at(Method::GET, "/jobs"), Err("NOT_FOUND".into()));
        assert_eq!(
            at(Method::POST, "/v1/agents/jobs/invoke"),
            Ok(Route::Invoke("jobs".into())),
            "an agent may be called jobs"
        );
    }

    #[test]
    fn invoke_paths_name_the_agent() {
        for p in ["/v1/agents/triage/invoke", "/prod/v1/agents/triage/invoke/"] {
            assert_eq!(
                at(Method::POST, p),
                Ok(Route::Invoke("triage".into())),
                "{p}"
            );
        }
        assert_eq!(
            at(Method::GET, "/v1/agents/triage/invoke"),
            Err("METHOD_NOT_ALLOWED POST".into())
        );
        for p in [
            "/v1/agents/invoke",
            "/v1/agents/a/b/invoke",
            "/v2/agents/a/invoke",
        ] {
            assert_eq!(at(Method::POST, p), Err("NOT_FOUND".into()), "{p}");
        }
    }

    #[test]
    fn unknown_sources_methods_and_paths() {
        assert_eq!(
            at(Method::POST, "/webhook/remedy"),
            Err("UNSUPPORTED_SOURCE remedy".into())
        );
        assert_eq!(
            at(Method::GET, "/webhook/servicenow"),
            Err("METHOD_NOT_ALLOWED POST".into())
        );
        assert_eq!(
            at(Method::PUT, "/prod/webhook/anything"),
            Err("METHOD_NOT_ALLOWED POST".into())
        );
        for p in ["/", ""] {
            assert_eq!(at(Method::POST, p), Ok(Route::DirectInvoke), "{p}");
            assert_eq!(
                at(Method::GET, p),
                Err("METHOD_NOT_ALLOWED POST".into()),
                "{p}"
            );
        }
        for p in [
            "/webhook",
            "/webhooks/servicenow",
            "/webhook/servicenow/extra",
        ] {
            assert_eq!(at(Method::POST, p), Err("NOT_FOUND".into()), "{p}");
        }
    }
}
