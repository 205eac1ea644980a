"""What the browser tests ask of the real Python SDK; prints one JSON line.

usage: sdk_client.py URL API_KEY send-traces | one-trace | prompt NAME ENV
"""

import json
import sys

import stacklens


def send_traces() -> dict:
    ids = {}
    ids["summary"] = stacklens.trace(
        "document-summary", model="gpt-4o", provider="openai", input_tokens=850, output_tokens=120,
        cost_usd=0.0012, attributes={"user_id": "u-42"}, tags=["browser-test", "summary"],
    )
    with stacklens.start_trace("agent-run") as root:
        root.add_tag("browser-test")
        root.add_tag("agent")
        root.set_attribute("session_id", "s-777")
        with stacklens.start_trace("plan-step") as step:
            step.record_llm(
                model="claude-3-5-sonnet", provider="anthropic", input_tokens=200, output_tokens=150,
                cost_usd=0.0031, temperature=0.2, max_tokens=512,
                prompt="Plan a trip to Lisbon for the browser test.",
                completion="Day 1: Alfama and the castle. Day 2: Belem.",
                finish_reason="stop",
            )
            with stacklens.start_trace("search-tool") as tool:
                tool.set_attribute("query", "Lisbon museums")
        ids["agent"] = root.trace_id
    try:
        with stacklens.start_trace("failing-run") as failing:
            failing.add_tag("browser-test")
            ids["error"] = failing.trace_id
            raise RuntimeError("the model timed out")
    except RuntimeError:
        pass
    return ids


def main() -> None:
    url, key, command, *rest = sys.argv[1:]
    stacklens.configure(api_key=key, endpoint=url, max_retries=0)
    try:
        if command == "send-traces":
            out = send_traces()
        elif command == "one-trace":
            out = {"traceId": stacklens.trace("after-revoke", model="gpt-4o", provider="openai",
                                              input_tokens=1, output_tokens=1)}
        elif command == "prompt":
            out = {"content": stacklens.prompts.get(rest[0], env=rest[1])}
        else:
            raise SystemExit(f"unknown command {command}")
    except stacklens.AuthError as error:
        out = {"authError": str(error)}
    except stacklens.ApiError as error:
        out = {"apiError": str(error)}
    stacklens.shutdown()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
