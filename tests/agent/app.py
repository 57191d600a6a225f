"""A real Bedrock AgentCore agent for the end-to-end tests.

It runs the `bedrock-agentcore` SDK's BedrockAgentCoreApp, so the answers carry exactly the
framing a deployed agent produces (JSON, or SSE from an async generator). No model is called:
the analysis is computed from the ticket so the tests can assert on it.

    AGENT_MODE=json|sse AGENT_PORT=8080 python tests/agent/app.py
"""

import os

from bedrock_agentcore import BedrockAgentCoreApp

app = BedrockAgentCoreApp()
MODE = os.environ.get("AGENT_MODE", "json")


def analysis(payload, context):
    ticket = payload.get("ticket", {})
    prompt = payload.get("prompt", "")
    if not ticket:
        # The invoke API: a plain query, with optional context and parameters.
        return f"Python agent answer to: {prompt} [session {context.session_id}]"
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
        return {"result": analysis(payload, context)}


if __name__ == "__main__":
    app.run(port=int(os.environ.get("AGENT_PORT", "8080")), host="127.0.0.1")
