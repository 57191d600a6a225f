//! `docs/openapi.yaml`, loaded once, and its schemas as validators of the maintained
//! `jsonschema` crate. OpenAPI 3.1 schemas are JSON Schema 2020-12; `example`, `x-source` and
//! the other keywords 2020-12 does not know are annotations. A schema is validated where it
//! stands in the document: the document is registered as one resource and the validator is
//! `{"$ref": "<document>#<the schema's JSON pointer>"}`, so its `#/components/…` references
//! resolve against the whole document. Compiled validators are cached per schema.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, ValidationError, Validator};
use serde_json::{Value, json};

/// The parsed document.
pub(super) static DOC: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).expect("docs/openapi.yaml is valid YAML")
});

/// The URI the document is registered under: the base its `#/…` references resolve against.
const BASE: &str = "urn:webhook-bridge:openapi";

/// The document as the one resource validators resolve references in.
static REGISTRY: LazyLock<Registry<'static>> = LazyLock::new(|| {
    Registry::new()
        .draft(Draft::Draft202012)
        .add(BASE, &*DOC)
        .and_then(|r| r.prepare())
        .expect("the document is a JSON Schema resource")
});

/// The JSON pointer of every node of the document, by the node's address (the document is never
/// mutated, so an address names one node for the whole run).
static LOCATIONS: LazyLock<HashMap<usize, String>> = LazyLock::new(|| {
    fn index(v: &Value, at: String, all: &mut HashMap<usize, String>) {
        match v {
            Value::Object(o) => o.iter().for_each(|(k, x)| {
                let k = k.replace('~', "~0").replace('/', "~1");
                index(x, format!("{at}/{k}"), all);
            }),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| index(x, format!("{at}/{i}"), all)),
            _ => {}
        }
        all.insert(address(v), at);
    }
    let mut all = HashMap::new();
    index(&DOC, String::new(), &mut all);
    all
});

/// Compiled validators, by the address of their schema in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<usize, Arc<Validator>>>> = LazyLock::new(Mutex::default);

fn address(v: &Value) -> usize {
    std::ptr::from_ref(v) as usize
}

/// A JSON pointer as a URI fragment (path keys hold `{` and `}`).
fn fragment(pointer: &str) -> String {
    pointer
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The validator of `schema`, a schema of the document (compiled on first use).
fn validator(schema: &Value) -> Arc<Validator> {
    let key = address(schema);
    let cached = VALIDATORS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned();
    if let Some(v) = cached {
        return v;
    }
    let at = LOCATIONS
        .get(&key)
        .unwrap_or_else(|| panic!("not a schema of the document: {schema}"));
    let compiled = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_registry(&REGISTRY)
        // As 2020-12 has it: `format` annotates (the document pairs date-times with a pattern).
        .should_validate_formats(false)
        .build(&json!({"$ref": format!("{BASE}#{}", fragment(at))}))
        .unwrap_or_else(|e| panic!("the schema at #{at} does not compile: {e}"));
    let compiled = Arc::new(compiled);
    VALIDATORS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, Arc::clone(&compiled));
    compiled
}

/// One failure, at its instance path, with the failures of each branch of an `anyOf`/`oneOf`.
fn describe(e: &ValidationError<'_>) -> String {
    let at = match e.instance_path().as_str() {
        "" => "/",
        path => path,
    };
    match e.kind() {
        ValidationErrorKind::AnyOf { context }
        | ValidationErrorKind::OneOfNotValid { context }
        | ValidationErrorKind::OneOfMultipleValid { context } => {
            let branches: Vec<Vec<String>> = context
                .iter()
                .map(|branch| branch.iter().map(describe).collect())
                .collect();
            format!("{at}: {e}; by branch: {branches:?}")
        }
        _ => format!("{at}: {e}"),
    }
}

/// Why `value` does not match `schema` (a schema of the document), one message per failure,
/// each starting with the instance path; empty when it matches.
pub(super) fn schema_errors(schema: &Value, value: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(value)
        .map(|e| describe(&e))
        .collect()
}

/// Whether `value` matches `schema` (a schema of the document).
pub(super) fn conforms(schema: &Value, value: &Value) -> bool {
    validator(schema).is_valid(value)
}

pub(super) fn assert_conforms(schema: &Value, value: &Value, what: &str) {
    let errs = schema_errors(schema, value);
    assert!(
        errs.is_empty(),
        "{what} does not match the document: {errs:#?}\n{value}"
    );
}

/// The node a local `$ref` (`#/…`) points at.
pub(super) fn pointer(reference: &str) -> &'static Value {
    let p = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local $refs are used: {reference}"));
    DOC.pointer(p)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// Follows `$ref`s (Reference Objects outside schemas).
pub(super) fn resolve(v: &'static Value) -> &'static Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(pointer(r)),
        None => v,
    }
}

/// `#/components/schemas/{name}`.
pub(super) fn schema(name: &str) -> &'static Value {
    let s = &DOC["components"]["schemas"][name];
    assert!(!s.is_null(), "no schema {name}");
    s
}

/// The body schema the document gives `source` (the one marked `x-source: <source>`).
pub(super) fn source_schema(source: &str) -> &'static Value {
    DOC["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .find(|s| s["x-source"] == source)
        .unwrap_or_else(|| panic!("no body schema for {source}"))
}
