"""A real Bedrock AgentCore agent for the end-to-end tests.

It runs the `bedrock-agentcore` SDK's BedrockAgentCoreApp, so the answers carry exactly the
framing a deployed agent produces (JSON, or SSE from an async generator). No model is called:
the analysis is computed from the ticket so the tests can assert on it.

    AGENT_MODE=json|sse AGENT_PORT=8080 python tests/agent/app.py
"""

import base64
import os

from bedrock_agentcore import BedrockAgentCoreApp

app = BedrockAgentCoreApp()
MODE = os.environ.get("AGENT_MODE", "json")


def analysis(payload, context):
    ticket = payload.get("ticket", {})
    prompt = payload.get("prompt", "")
    if not ticket:
        # The invoke API: a plain query, with optional context, parameters, files and features;
        # what arrived is echoed so the tests see it reached the agent intact.
        answer = f"Python agent answer to: {prompt} [session {context.session_id}]"
        parameters = payload.get("parameters")
        if parameters:
            answer += " [parameters " + ", ".join(f"{k}={v}" for k, v in sorted(parameters.items())) + "]"
        for f in payload.get("files", []):
            text = base64.b64decode(f["content_base64"]).decode("utf-8", "replace")
            first_line = text.splitlines()[0] if text else ""
            answer += f" [file {f['name']} {f['mime_type']} {f['size_bytes']} bytes: {first_line}]"
        features = payload.get("features")
        if features:
            answer += " [features " + ",".join(sorted(features)) + "]"
        return answer
    fenced = "<ticket_data id=" in prompt and "</ticket_data id=" in prompt
    return (
        f"Python agent analysis of {ticket.get('id')}: {ticket.get('title')} "
        f"[priority {ticket.get('priority', 'unset')}] "
        f"[source {payload.get('source')}] "
        f"[session {context.session_id}] "
        f"[prompt fenced: {fenced}]"
    )


if MODE == "sse":

    @app.entrypoint
    async def invoke(payload, context):
        words = analysis(payload, context).split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        yield {"done": True}

else:

    @app.entrypoint
    def invoke(payload, context):
        answer = {"result": analysis(payload, context)}
        if payload.get("parameters"):
            # Token counts under Strands' names, as a Strands agent reports them.
            prompt_tokens = len(payload.get("prompt", "").split())
            completion_tokens = len(answer["result"].split())
            answer["usage"] = {
                "inputTokens": prompt_tokens,
                "outputTokens": completion_tokens,
                "totalTokens": prompt_tokens + completion_tokens,
            }
        return answer


if __name__ == "__main__":
    app.run(port=int(os.environ.get("AGENT_PORT", "8080")), host="127.0.0.1")
