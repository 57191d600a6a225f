//! `docs/errors.md` against the implementation and the OpenAPI document: its table lists
//! exactly the (code, status) pairs the bridge's catalogue and API Gateway's responses
//! (template.yaml) can answer with, and exactly the OpenAPI document's error codes.

use std::collections::BTreeSet;

use webhook_bridge::error_catalogue;

use super::table::{code_spans, page, rows};
use crate::openapi::codes::{documented_codes, gateway_responses};

fn documented() -> BTreeSet<(String, u16)> {
    rows(&page("errors.md"), "code")
        .into_iter()
        .map(|cells| {
            let code = code_spans(&cells[0]);
            assert_eq!(code.len(), 1, "one code per row: {cells:?}");
            let status = cells[1]
                .parse()
                .unwrap_or_else(|_| panic!("a status: {cells:?}"));
            (code[0].clone(), status)
        })
        .collect()
}

#[test]
fn the_error_page_lists_exactly_the_codes_and_statuses_the_bridge_and_gateway_answer_with() {
    let mut expected: BTreeSet<(String, u16)> = error_catalogue()
        .iter()
        .map(|e| (e.code.to_owned(), e.status))
        .collect();
    expected.extend(gateway_responses());
    let documented = documented();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/errors.md lacks {missing:?} and lists {extra:?}, which nothing answers with"
    );
}

#[test]
fn the_error_page_and_the_openapi_document_list_the_same_codes() {
    let page: BTreeSet<String> = documented().into_iter().map(|(c, _)| c).collect();
    assert_eq!(page, documented_codes());
}
