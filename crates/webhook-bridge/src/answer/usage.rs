//! The agent's usage report in one spelling. Agents name token counts their own way (Strands
//! `inputTokens`/`outputTokens`/`totalTokens`, Bedrock `input_tokens`/`output_tokens`, OpenAI-style
//! `prompt_tokens`/`completion_tokens`); callers get run-agent.ai's `prompt_tokens`,
//! `completion_tokens` and `total_tokens` whatever the agent used.

use serde_json::{Map, Value};

const PROMPT: [&str; 5] = [
    "prompt_tokens",
    "input_tokens",
    "inputTokens",
    "promptTokens",
    "prompt_token_count",
];
const COMPLETION: [&str; 5] = [
    "completion_tokens",
    "output_tokens",
    "outputTokens",
    "completionTokens",
    "candidates_token_count",
];
const TOTAL: [&str; 3] = ["total_tokens", "totalTokens", "total_token_count"];

/// `usage` with its token counts under run-agent.ai's names (the total computed when the agent
/// gave only the parts). A report with no token count this knows is passed on as it is.
pub fn normalised(usage: Value) -> Value {
    let Value::Object(fields) = &usage else {
        return usage;
    };
    let count = |names: &[&str]| names.iter().find_map(|n| fields.get(*n)?.as_u64());
    let (prompt, completion) = (count(&PROMPT), count(&COMPLETION));
    let total = count(&TOTAL).or(match (prompt, completion) {
        (Some(p), Some(c)) => p.checked_add(c),
        _ => None,
    });
    if prompt.is_none() && completion.is_none() && total.is_none() {
        return usage;
    }
    let mut out = Map::new();
    for (name, value) in [
        ("prompt_tokens", prompt),
        ("completion_tokens", completion),
        ("total_tokens", total),
    ] {
        if let Some(v) = value {
            out.insert(name.into(), Value::from(v));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_agents_spelling_becomes_run_agents() {
        let want = json!({"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129});
        for usage in [
            json!({"inputTokens": 120, "outputTokens": 9, "totalTokens": 129}),
            json!({"input_tokens": 120, "output_tokens": 9}),
            json!({"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129}),
        ] {
            assert_eq!(normalised(usage.clone()), want, "{usage}");
        }
        assert_eq!(
            normalised(json!({"outputTokens": 42})),
            json!({"completion_tokens": 42})
        );
    }

    #[test]
    fn reports_without_token_counts_pass_through() {
        let cost = json!({"cost_usd": 0.01});
        assert_eq!(normalised(cost.clone()), cost);
        assert_eq!(
            normalised(json!({"input_tokens": "many"})),
            json!({"input_tokens": "many"})
        );
    }
}
