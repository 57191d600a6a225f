"""Baseline for `make bench`: the ServiceNow → AgentCore bridge as the reference article writes it
in Python (a boto3 Lambda handler), so the Rust bridge is measured against the obvious
alternative on the same emulator, the same agent and the same events.

Run with awslambdaric: `python -m awslambdaric handler.handler`.
"""

import json
import os
import uuid

import boto3

# Module level, as the article does: created once per container, during init.
client = boto3.client("bedrock-agentcore")
AGENT_RUNTIME_ARN = os.environ["AGENT_RUNTIME_ARN"]


def handler(event, context):
    try:
        body = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        return {"statusCode": 400, "body": json.dumps({"success": False, "error": "Invalid JSON"})}

    number = body.get("number")
    if not number:
        return {"statusCode": 400, "body": json.dumps({"success": False, "error": "Missing incident number"})}

    prompt = (
        "Analyze this ServiceNow incident and provide recommendations:\n"
        f"Incident Number: {number}\n"
        f"Short Description: {body.get('short_description', '')}\n"
        f"Description: {body.get('description', '')}\n"
        f"Priority: {body.get('priority', '')}\n"
        f"Category: {body.get('category', '')}\n"
        f"Assignment Group: {body.get('assignment_group', '')}"
    )
    try:
        response = client.invoke_agent_runtime(
            agentRuntimeArn=AGENT_RUNTIME_ARN,
            runtimeSessionId=f"servicenow-{number}-{uuid.uuid4().hex}",
            payload=json.dumps({"prompt": prompt}),
            qualifier="DEFAULT",
        )
        raw = response["response"].read().decode("utf-8")
        try:
            parsed = json.loads(raw)
            analysis = parsed.get("result", raw) if isinstance(parsed, dict) else parsed
        except json.JSONDecodeError:
            analysis = raw
        return {
            "statusCode": 200,
            "body": json.dumps({
                "success": True,
                "incident_number": number,
                "analysis": analysis,
                "message": "Incident analyzed successfully",
            }),
        }
    except Exception as e:  # noqa: BLE001 - the article returns the error text, as here
        return {"statusCode": 500, "body": json.dumps({"success": False, "error": str(e)})}
