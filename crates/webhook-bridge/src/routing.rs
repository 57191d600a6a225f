//! Which operation a request asks for, from its method and path.
//!
//! API Gateway REST proxy events carry the resource path without the stage (`/webhook/x`), but
//! events from `sam local`, custom domains with base paths, or other front ends may carry a
//! prefix (`/prod/webhook/x`, `/tickets/webhook/x`), so routes match on the path's tail.

use http::Method;
use ticket_prompt::Source;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /webhook/{source}` for a supported source.
    Webhook(Source),
    /// `POST /v1/agents/{agent}/invoke`; the name is checked against the configuration later.
    Invoke(String),
    /// `GET /jobs/{job_id}`: an asynchronous delivery's state.
    Job(String),
    /// `/webhook/{source}` with a source the bridge does not know.
    UnsupportedSource(String),
    /// A known path with the wrong method; carries the allowed method.
    MethodNotAllowed(&'static str),
    NotFound,
}

pub fn route(method: &Method, path: &str) -> Route {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let route = match segments.as_slice() {
        [.., "v1", "agents", agent, "invoke"] => Route::Invoke((*agent).to_owned()),
        [.., "jobs", id] => {
            return if method == Method::GET {
                Route::Job((*id).to_owned())
            } else {
                Route::MethodNotAllowed("GET")
            };
        }
        [.., "webhook", source] => match Source::from_segment(source) {
            Some(s) => Route::Webhook(s),
            None => Route::UnsupportedSource((*source).to_owned()),
        },
        _ => return Route::NotFound,
    };
    if method != Method::POST {
        return Route::MethodNotAllowed("POST");
    }
    route
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_paths_with_and_without_prefixes() {
        for p in [
            "/webhook/servicenow",
            "/prod/webhook/servicenow",
            "/Prod/webhook/servicenow/",
            "/base/v1/webhook/servicenow",
        ] {
            assert_eq!(
                route(&Method::POST, p),
                Route::Webhook(Source::ServiceNow),
                "{p}"
            );
        }
    }

    #[test]
    fn job_paths_are_read_with_get() {
        assert_eq!(
            route(&Method::GET, "/prod/jobs/job_0123"),
            Route::Job("job_0123".into())
        );
        assert_eq!(
            route(&Method::POST, "/jobs/job_0123"),
            Route::MethodNotAllowed("GET")
        );
        assert_eq!(route(&Method::GET, "/jobs"), Route::NotFound);
        assert_eq!(
            route(&Method::POST, "/v1/agents/jobs/invoke"),
            Route::Invoke("jobs".into()),
            "an agent may be called jobs"
        );
    }

    #[test]
    fn invoke_paths_name_the_agent() {
        for p in ["/v1/agents/triage/invoke", "/prod/v1/agents/triage/invoke/"] {
            assert_eq!(
                route(&Method::POST, p),
                Route::Invoke("triage".into()),
                "{p}"
            );
        }
        assert_eq!(
            route(&Method::GET, "/v1/agents/triage/invoke"),
            Route::MethodNotAllowed("POST")
        );
        for p in [
            "/v1/agents/invoke",
            "/v1/agents/a/b/invoke",
            "/v2/agents/a/invoke",
        ] {
            assert_eq!(route(&Method::POST, p), Route::NotFound, "{p}");
        }
    }

    #[test]
    fn unknown_sources_methods_and_paths() {
        assert_eq!(
            route(&Method::POST, "/webhook/remedy"),
            Route::UnsupportedSource("remedy".into())
        );
        assert_eq!(
            route(&Method::GET, "/webhook/servicenow"),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(
            route(&Method::PUT, "/prod/webhook/anything"),
            Route::MethodNotAllowed("POST")
        );
        for p in [
            "/",
            "",
            "/webhook",
            "/webhooks/servicenow",
            "/webhook/servicenow/extra",
        ] {
            assert_eq!(route(&Method::POST, p), Route::NotFound, "{p}");
        }
    }
}
