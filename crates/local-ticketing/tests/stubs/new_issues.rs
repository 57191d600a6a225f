//! Creating GitHub and GitLab issues and finding them again by the bridge's marker label: the
//! documented answers, the refusals, and a create whose answer was lost that the lookup still
//! finds.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Answer, JSON, send, server};

const GITHUB: [(&str, &str); 2] = [
    ("authorization", "Bearer local-github-token"),
    ("user-agent", "webhook-bridge-test"),
];
const GITLAB: [(&str, &str); 1] = [("private-token", "local-gitlab-token")];

async fn post(url: String, headers: &[(&str, &str)], body: Value) -> Answer {
    send("POST", url, headers, body.to_string()).await
}

async fn get(url: String, headers: &[(&str, &str)]) -> Answer {
    send("GET", url, headers, String::new()).await
}

/// The `number`s (GitHub) or `iid`s (GitLab) of a list answer.
fn numbers(a: &Answer, field: &str) -> Vec<u64> {
    let list = a.json();
    let list = list.as_array().expect("a JSON array");
    list.iter().map(|i| i[field].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn github_creates_issues_and_lists_them_by_label() {
    let s = server().await;
    let ops = format!("{}/repos/acme/ops/issues", s.endpoint_url());
    let web = format!("{}/repos/acme/web/issues", s.endpoint_url());
    let body =
        json!({"title": "Disk full", "body": "Analysis", "labels": ["bridge-job-1", "alert"]});
    let a = post(ops.clone(), &GITHUB, body).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.content_type(), JSON);
    let first = a.json();
    assert!(first["id"].is_u64());
    assert_eq!(first["number"], 1);
    assert_eq!(first["title"], "Disk full");
    assert_eq!(first["body"], "Analysis");
    assert_eq!(
        first["labels"],
        json!([{"name": "bridge-job-1"}, {"name": "alert"}])
    );
    assert_eq!(first["state"], "open");
    assert_eq!(first["url"], format!("{ops}/1"));
    assert_eq!(first["html_url"], "https://github.com/acme/ops/issues/1");
    assert_eq!(a.headers["location"], format!("{ops}/1"));

    // Numbers are per repository.
    let a = post(
        web.clone(),
        &GITHUB,
        json!({"title": "x", "labels": ["bridge-job-1"]}),
    )
    .await;
    assert_eq!(a.json()["number"], 1);
    let a = post(
        ops.clone(),
        &GITHUB,
        json!({"title": "y", "labels": ["bridge-job-2"]}),
    )
    .await;
    assert_eq!(a.json()["number"], 2);

    let a = get(
        format!("{ops}?labels=bridge-job-1,alert&state=all&per_page=10"),
        &GITHUB,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!([first]));
    let a = get(format!("{web}?labels=bridge-job-1&state=all"), &GITHUB).await;
    assert_eq!(numbers(&a, "number"), [1]);
    assert_eq!(a.json()[0]["title"], "x");
    for query in [
        "labels=bridge-job-3",
        "labels=bridge-job-2,alert",
        "state=closed",
    ] {
        let a = get(format!("{ops}?{query}"), &GITHUB).await;
        assert_eq!(a.json(), json!([]), "{query}");
    }
    // Newest first, `per_page` at a time.
    let a = get(ops.clone(), &GITHUB).await;
    assert_eq!(numbers(&a, "number"), [2, 1]);
    let a = get(format!("{ops}?per_page=1&page=2"), &GITHUB).await;
    assert_eq!(numbers(&a, "number"), [1]);

    let created = s.created("github");
    assert_eq!(created.len(), 3);
    assert_eq!(created[0], first);
}

#[tokio::test]
async fn github_issue_refusals() {
    let s = server().await;
    let url = format!("{}/repos/acme/ops/issues", s.endpoint_url());
    let body = json!({"title": "x"});

    let no_agent = [("authorization", "Bearer local-github-token")];
    let a = post(url.clone(), &no_agent, body.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let wrong = [
        ("authorization", "Bearer wrong"),
        ("user-agent", "webhook-bridge-test"),
    ];
    let a = post(url.clone(), &wrong, body.clone()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json()["message"], "Bad credentials");
    let a = get(url.clone(), &wrong).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = post(url.clone(), &GITHUB, json!({"body": "no title"})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.json(),
        json!({
            "message": "Invalid request.\n\n\"title\" wasn't supplied.",
            "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
            "status": "422",
        })
    );
    let a = post(url.clone(), &GITHUB, json!({"title": "x", "labels": "a,b"})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = send("DELETE", url, &GITHUB, String::new()).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(s.created("github").is_empty());
}

#[tokio::test]
async fn github_create_whose_answer_was_lost_is_found_by_the_retry_lookup() {
    let s = server().await;
    let url = format!("{}/repos/acme/ops/issues", s.endpoint_url());
    s.lose_next_answers(1);
    let body = json!({"title": "Disk full", "labels": ["bridge-job-9"]});
    let a = post(url.clone(), &GITHUB, body).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json(), json!({"message": "local-ticketing: answer lost"}));

    let a = get(format!("{url}?labels=bridge-job-9&state=all"), &GITHUB).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(numbers(&a, "number"), [1]);
    assert_eq!(a.json(), json!(s.created("github")));
    assert_eq!(s.requests()[0].lost_answer, Some(StatusCode::CREATED));
}

#[tokio::test]
async fn gitlab_creates_issues_and_lists_them_by_label() {
    let s = server().await;
    let ops = format!("{}/api/v4/projects/acme%2Fops/issues", s.endpoint_url());
    let numeric = format!("{}/api/v4/projects/42/issues", s.endpoint_url());
    let body =
        json!({"title": "Disk full", "description": "Analysis", "labels": "bridge-job-1,alert"});
    let a = post(ops.clone(), &GITLAB, body).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.content_type(), JSON);
    let first = a.json();
    assert!(first["id"].is_u64());
    assert_eq!(first["iid"], 1);
    assert!(first["project_id"].is_u64());
    assert_eq!(first["title"], "Disk full");
    assert_eq!(first["description"], "Analysis");
    assert_eq!(first["labels"], json!(["bridge-job-1", "alert"]));
    assert_eq!(first["state"], "opened");
    assert_eq!(
        first["web_url"],
        format!("{}/acme/ops/-/issues/1", s.endpoint_url())
    );

    let a = post(
        numeric.clone(),
        &GITLAB,
        json!({"title": "x", "labels": "bridge-job-1"}),
    )
    .await;
    assert_eq!(a.json()["iid"], 1);
    assert_eq!(a.json()["project_id"], 42);
    assert_eq!(
        a.json()["web_url"],
        format!("{}/projects/42/-/issues/1", s.endpoint_url())
    );
    let a = post(
        ops.clone(),
        &GITLAB,
        json!({"title": "y", "labels": "bridge-job-2"}),
    )
    .await;
    assert_eq!(a.json()["iid"], 2);

    let a = get(
        format!("{ops}?labels=bridge-job-1,alert&per_page=5"),
        &GITLAB,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!([first]));
    let a = get(format!("{numeric}?labels=bridge-job-1"), &GITLAB).await;
    assert_eq!(a.json()[0]["title"], "x");
    assert_eq!(numbers(&a, "iid"), [1]);
    for query in [
        "labels=bridge-job-3",
        "labels=bridge-job-2,alert",
        "state=closed",
    ] {
        let a = get(format!("{ops}?{query}"), &GITLAB).await;
        assert_eq!(a.json(), json!([]), "{query}");
    }
    let a = get(ops, &GITLAB).await;
    assert_eq!(numbers(&a, "iid"), [2, 1]);

    let created = s.created("gitlab");
    assert_eq!(created.len(), 3);
    assert_eq!(created[0], first);
}

#[tokio::test]
async fn gitlab_issue_refusals() {
    let s = server().await;
    let base = format!("{}/api/v4/projects", s.endpoint_url());
    let url = format!("{base}/42/issues");
    let body = json!({"title": "x"});

    let wrong = [("private-token", "wrong")];
    let a = post(url.clone(), &wrong, body.clone()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json(), json!({"message": "401 Unauthorized"}));
    let a = get(url.clone(), &wrong).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    for bad in [json!({"description": "no title"}), json!({"title": ""})] {
        let a = post(url.clone(), &GITLAB, bad.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(a.json(), json!({"error": "title is missing"}));
    }
    let a = post(format!("{base}/acme/issues"), &GITLAB, body.clone()).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), json!({"message": "404 Project Not Found"}));
    let a = get(format!("{base}/acme/issues"), &GITLAB).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = get(format!("{url}?state=bogus"), &GITLAB).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = send("PUT", url, &GITLAB, body.to_string()).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(s.created("gitlab").is_empty());
}

#[tokio::test]
async fn gitlab_create_whose_answer_was_lost_is_found_by_the_retry_lookup() {
    let s = server().await;
    let url = format!("{}/api/v4/projects/acme%2Fops/issues", s.endpoint_url());
    s.lose_next_answers(1);
    let body = json!({"title": "Disk full", "labels": "bridge-job-9"});
    let a = post(url.clone(), &GITLAB, body).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json(), json!({"message": "local-ticketing: answer lost"}));

    let a = get(format!("{url}?labels=bridge-job-9"), &GITLAB).await;
    assert_eq!(numbers(&a, "iid"), [1]);
    assert_eq!(a.json(), json!(s.created("gitlab")));
    let recorded: Vec<_> = s.requests().iter().map(|r| r.lost_answer).collect();
    assert_eq!(recorded, [Some(StatusCode::CREATED), None]);
}
