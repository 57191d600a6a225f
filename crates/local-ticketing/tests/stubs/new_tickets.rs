//! Creating ServiceNow incidents and Jira issues and finding them again by the bridge's marker
//! (ServiceNow's `correlation_id`, a Jira label): the documented answers, the refusals, and a
//! create whose answer was lost that the lookup still finds.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Answer, JSON, basic, send, server};

fn servicenow_auth() -> String {
    basic("bridge", "local-servicenow-password")
}

fn jira_auth() -> String {
    basic("bridge@example.com", "local-jira-token")
}

async fn post(url: String, auth: &str, body: Value) -> Answer {
    send("POST", url, &[("authorization", auth)], body.to_string()).await
}

async fn get(url: String, auth: &str) -> Answer {
    send("GET", url, &[("authorization", auth)], String::new()).await
}

#[tokio::test]
async fn servicenow_creates_incidents_and_finds_them_by_correlation_id() {
    let s = server().await;
    let table = format!("{}/api/now/table/incident", s.endpoint_url());
    let auth = servicenow_auth();
    let fields =
        json!({"short_description": "Disk full", "correlation_id": "job-1", "urgency": "2"});
    let a = post(table.clone(), &auth, fields.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.content_type(), JSON);
    let first = a.json()["result"].clone();
    let sys_id = first["sys_id"].as_str().unwrap().to_owned();
    assert_eq!(sys_id.len(), 32);
    assert!(
        sys_id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
    assert!(sys_id.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut expected = fields.clone();
    expected["sys_id"] = json!(sys_id);
    expected["number"] = json!("INC0010001");
    expected["sys_class_name"] = json!("incident");
    assert_eq!(first, expected);
    assert_eq!(a.headers["location"], format!("{table}/{sys_id}"));

    let other = json!({"short_description": "Disk full", "correlation_id": "job-2"});
    let second = post(table.clone(), &auth, other).await.json()["result"].clone();
    assert_eq!(second["number"], "INC0010002");
    assert_ne!(second["sys_id"], first["sys_id"]);

    let a = get(
        format!("{table}?sysparm_query=correlation_id%3Djob-1"),
        &auth,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), json!({"result": [first]}));
    // `^` joins conditions that must all hold; `+` is a space; fields and limit trim the answer.
    let a = get(
        format!(
            "{table}?sysparm_query=short_description%3DDisk+full%5Ecorrelation_id%3Djob-2&sysparm_fields=number,sys_id&sysparm_limit=5"
        ),
        &auth,
    )
    .await;
    assert_eq!(
        a.json(),
        json!({"result": [{"number": "INC0010002", "sys_id": second["sys_id"]}]})
    );
    let a = get(
        format!("{table}?sysparm_query=short_description%3DDisk+full&sysparm_limit=1"),
        &auth,
    )
    .await;
    assert_eq!(a.json(), json!({"result": [first]}));
    for query in [
        "correlation_id%3Djob-3",
        "correlation_id%3Djob-1%5Eurgency%3D1",
    ] {
        let a = get(format!("{table}?sysparm_query={query}"), &auth).await;
        assert_eq!(a.json(), json!({"result": []}), "{query}");
    }
    assert_eq!(s.created("servicenow"), [first, second]);
}

#[tokio::test]
async fn servicenow_create_and_query_refusals() {
    let s = server().await;
    let base = format!("{}/api/now/table", s.endpoint_url());
    let auth = servicenow_auth();
    let fields = json!({"correlation_id": "job-1"});

    let wrong = basic("bridge", "nope");
    let a = post(format!("{base}/incident"), &wrong, fields.clone()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json()["error"]["message"], "User Not Authenticated");
    let a = get(format!("{base}/incident?sysparm_query=a%3Db"), &wrong).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = post(format!("{base}/problem"), &auth, fields.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({"error": {"message": "Invalid table problem", "detail": null}, "status": "failure"})
    );
    let a = post(format!("{base}/incident"), &auth, json!(["x"])).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json()["error"]["message"],
        "Exception while reading request"
    );
    let a = get(
        format!("{base}/incident?sysparm_query=priority!%3D1"),
        &auth,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({"error": {"message": "Unsupported query", "detail": "local-ticketing supports field=value conditions joined by ^"}, "status": "failure"})
    );
    let a = send("DELETE", format!("{base}/incident"), &[], String::new()).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(s.created("servicenow").is_empty());
}

#[tokio::test]
async fn servicenow_create_whose_answer_was_lost_is_found_by_the_retry_lookup() {
    let s = server().await;
    let table = format!("{}/api/now/table/incident", s.endpoint_url());
    let auth = servicenow_auth();
    s.lose_next_answers(1);
    let a = post(table.clone(), &auth, json!({"correlation_id": "job-9"})).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json(), json!({"message": "local-ticketing: answer lost"}));
    assert_eq!(a.headers["retry-after"], "1");

    let a = get(
        format!("{table}?sysparm_query=correlation_id%3Djob-9"),
        &auth,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let [found] = a.json()["result"]
        .as_array()
        .cloned()
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(found["number"], "INC0010001");
    assert_eq!(s.created("servicenow"), [found]);

    let recorded: Vec<_> = s
        .requests()
        .iter()
        .map(|r| (r.status.as_u16(), r.scripted, r.lost_answer))
        .collect();
    assert_eq!(
        recorded,
        [(503, true, Some(StatusCode::CREATED)), (200, false, None)]
    );
}

fn issue(project: &str, summary: &str, labels: &[&str]) -> Value {
    json!({"fields": {
        "project": {"key": project},
        "issuetype": {"name": "Task"},
        "summary": summary,
        "description": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Analysis"}]}]},
        "labels": labels,
    }})
}

#[tokio::test]
async fn jira_creates_issues_and_finds_them_by_label() {
    let s = server().await;
    let create = format!("{}/rest/api/3/issue", s.endpoint_url());
    let search = format!("{}/rest/api/3/search/jql", s.endpoint_url());
    let auth = jira_auth();
    let a = post(
        create.clone(),
        &auth,
        issue("OPS", "Disk full", &["bridge-job-1", "alert"]),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(
        a.json(),
        json!({"id": "10001", "key": "OPS-1", "self": format!("{create}/10001")})
    );
    let a = post(
        create.clone(),
        &auth,
        issue("DEV", "CPU", &["bridge-job-2"]),
    )
    .await;
    assert_eq!(a.json()["key"], "DEV-1");
    assert_eq!(a.json()["id"], "10002");
    let a = post(
        create.clone(),
        &auth,
        issue("OPS", "Memory", &["bridge-job-3"]),
    )
    .await;
    assert_eq!(a.json()["key"], "OPS-2");

    let jql = |jql: &str| json!({"jql": jql, "maxResults": 10, "fields": ["summary", "labels"]});
    let a = post(
        search.clone(),
        &auth,
        jql(r#"project = OPS AND labels = "bridge-job-1""#),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json(),
        json!({"issues": [{
            "id": "10001",
            "key": "OPS-1",
            "self": format!("{create}/10001"),
            "fields": {"summary": "Disk full", "labels": ["bridge-job-1", "alert"]},
        }], "isLast": true})
    );
    let a = post(search.clone(), &auth, jql("labels = bridge-job-2")).await;
    assert_eq!(a.json()["issues"][0]["key"], "DEV-1");
    for other in [
        "labels = bridge-job-4",
        "project = DEV and labels = bridge-job-1",
    ] {
        let a = post(search.clone(), &auth, jql(other)).await;
        assert_eq!(a.json(), json!({"issues": [], "isLast": true}), "{other}");
    }

    // Pages of one: a token to the next, until the last.
    let a = post(
        search.clone(),
        &auth,
        json!({"jql": "project = OPS", "maxResults": 1}),
    )
    .await;
    assert_eq!(a.json()["issues"][0]["key"], "OPS-1");
    assert_eq!(a.json()["isLast"], false);
    let token = a.json()["nextPageToken"].clone();
    let next = json!({"jql": "project = OPS", "maxResults": 1, "nextPageToken": token});
    let a = post(search, &auth, next).await;
    assert_eq!(a.json()["issues"][0]["key"], "OPS-2");
    assert_eq!(a.json()["isLast"], true);

    let created = s.created("jira");
    assert_eq!(created.len(), 3);
    assert_eq!(created[0]["key"], "OPS-1");
    assert_eq!(
        created[0]["fields"],
        issue("OPS", "Disk full", &["bridge-job-1", "alert"])["fields"]
    );
}

#[tokio::test]
async fn jira_create_and_search_refusals() {
    let s = server().await;
    let create = format!("{}/rest/api/3/issue", s.endpoint_url());
    let search = format!("{}/rest/api/3/search/jql", s.endpoint_url());
    let auth = jira_auth();

    let wrong = basic("bridge@example.com", "wrong");
    let a = post(create.clone(), &wrong, issue("OPS", "x", &[])).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.json()["errorMessages"].is_array());
    let a = post(search.clone(), &wrong, json!({"jql": "project = OPS"})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = post(create.clone(), &auth, json!({"fields": {"summary": " "}})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({"errorMessages": [], "errors": {
            "project": "valid project is required",
            "issuetype": "Specify an issue type",
            "summary": "You must specify a summary of the issue.",
        }})
    );
    let mut bad = issue("ops", &"x".repeat(256), &["a b"]);
    bad["fields"]["description"] = json!("plain text");
    let a = post(create.clone(), &auth, bad).await;
    assert_eq!(
        a.json(),
        json!({"errorMessages": [], "errors": {
            "project": "valid project is required",
            "summary": "Summary must be less than 255 characters.",
            "labels": "The label 'a b' contains spaces which is invalid.",
            "description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)",
        }})
    );
    let a = post(create, &auth, issue("OPS", &"x".repeat(255), &[])).await;
    assert_eq!(a.status, StatusCode::CREATED, "255 characters fit");

    for jql in ["project = OPS OR labels = x", "status = Done", ""] {
        let a = post(search.clone(), &auth, json!({"jql": jql})).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{jql}");
        assert_eq!(
            a.json(),
            json!({"errorMessages": ["Error in the JQL Query: local-ticketing supports project = and labels = clauses joined by AND."], "errors": {}})
        );
    }
    assert_eq!(s.created("jira").len(), 1);
}

#[tokio::test]
async fn jira_create_whose_answer_was_lost_is_found_by_the_retry_lookup() {
    let s = server().await;
    let auth = jira_auth();
    s.lose_next_answers(1);
    let create = format!("{}/rest/api/3/issue", s.endpoint_url());
    let a = post(create, &auth, issue("OPS", "Disk full", &["bridge-job-9"])).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.json(), json!({"message": "local-ticketing: answer lost"}));

    let search = format!("{}/rest/api/3/search/jql", s.endpoint_url());
    let query = json!({"jql": "project = OPS AND labels = bridge-job-9"});
    let a = post(search, &auth, query).await;
    assert_eq!(a.json()["issues"][0]["key"], "OPS-1");
    assert_eq!(a.json()["issues"].as_array().unwrap().len(), 1);
    assert_eq!(s.requests()[0].lost_answer, Some(StatusCode::CREATED));
}

#[tokio::test]
#[should_panic(expected = "creates no \"linear\" tickets")]
async fn created_refuses_a_vendor_it_does_not_create_for() {
    let s = server().await;
    let _ = s.created("linear");
}
