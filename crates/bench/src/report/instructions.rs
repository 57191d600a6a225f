//! The instruction-count section: the bridge's count per request beside the floor's, and where
//! the bridge's go.

use crate::instructions::Instructions;

/// The section's Markdown.
pub(crate) fn instructions_section(i: &Instructions) -> String {
    let own = i.bridge.per_request - i.floor.per_request;
    let mut md = String::from(
        "\n## Instructions per request (callgrind)\n\n\
         Counted by `valgrind --tool=callgrind` on the release code with its symbols kept \
         (`--profile callgrind`), the same event, AgentCore over TLS: a longer and a shorter run, \
         their difference divided by the difference in requests, so init and exit are out. \
         Counts repeat run to run on a busy machine where times do not. valgrind does not offer the \
         CPU's SHA extensions, so SHA-256 (SigV4's payload hash and signing key) runs in software here \
         and costs less natively.\n\n\
         | function | instructions per warm request |\n|---|---|\n",
    );
    md.push_str(&format!(
        "| the floor: no-op Lambda (runtime loop + echo handler) | {:.0} |\n\
         | the bridge (webhook) | {:.0} |\n\
         | the bridge minus the floor | {own:.0} |\n",
        i.floor.per_request, i.bridge.per_request
    ));
    md.push_str(
        "\nThe bridge's largest costs per request (each function's own instructions, not its \
         callees'):\n\n| function | instructions per request | share |\n|---|---|---|\n",
    );
    for (function, per_request) in &i.bridge.top {
        md.push_str(&format!(
            "| `{}` | {per_request:.0} | {:.1} % |\n",
            function.replace('|', "\\|"),
            per_request * 100.0 / i.bridge.per_request
        ));
    }
    md
}
