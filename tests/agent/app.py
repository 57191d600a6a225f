"""A real Bedrock AgentCore agent for the end-to-end tests.

It runs the `bedrock-agentcore` SDK's BedrockAgentCoreApp, so the answers carry exactly the
framing a deployed agent produces (JSON, or SSE from an async generator). No model is called:
the analysis is computed from the ticket so the tests can assert on it.

    AGENT_MODE=json|string|sse|strands|sse-error AGENT_PORT=8080 python tests/agent/app.py
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


def pieces(payload, context):
    words = analysis(payload, context).split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words)]


if MODE == "sse":

    @app.entrypoint
    async def invoke(payload, context):
        for piece in pieces(payload, context):
            yield piece
        yield {"done": True}

elif MODE == "strands":
    # What a Strands agent's `stream_async` yields: lifecycle events, text deltas in "data"
    # (beside the raw model event), and a closing model event without text.

    @app.entrypoint
    async def invoke(payload, context):
        yield {"init_event_loop": True}
        yield {"start": True}
        for piece in pieces(payload, context):
            yield {"data": piece, "delta": {"text": piece},
                   "event": {"contentBlockDelta": {"delta": {"text": piece}}}}
        yield {"event": {"messageStop": {"stopReason": "end_turn"}}}

elif MODE == "sse-error":
    # An agent whose model fails half way: some text, then an error event.

    @app.entrypoint
    async def invoke(payload, context):
        for piece in pieces(payload, context)[:3]:
            yield piece
        yield {"error": "ModelThrottled", "message": "the model is throttled"}

elif MODE == "string":

    @app.entrypoint
    def invoke(payload, context):
        return analysis(payload, context)

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
