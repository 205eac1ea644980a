"""What the browser tests ask of the real Python SDK; prints one JSON line.

usage: sdk_client.py URL API_KEY send-traces | conversation | one-trace | prompt NAME ENV
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
            # A model the price table does not know, sent without a cost: unpriced.
            failing.record_llm(model="in-house-llm", provider="acme", input_tokens=300, output_tokens=40)
            ids["error"] = failing.trace_id
            raise RuntimeError("the model timed out")
    except RuntimeError:
        pass
    return ids


SYSTEM = {"role": "system", "content": "You are a weather assistant."}
ASK = {"role": "user", "content": "What's the weather in Lisbon?"}
CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Lisbon\"}"}}]}
RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "22 C, sunny"}
ANSWER = {"role": "assistant", "content": "It is 22 C and sunny in Lisbon."}
AGAIN = {"role": "user", "content": "And tomorrow?"}


def send_conversation() -> dict:
    """Three chat turns of session s-chat (user u-chat): a tool call, its result, a follow-up; the
    prompts resend the conversation so far, as chat clients do, in OpenAI's shapes."""
    turns = [
        ([SYSTEM, ASK], json.dumps(CALL)),
        ({"messages": [SYSTEM, ASK, CALL, RESULT]}, ANSWER["content"]),
        ([SYSTEM, ASK, CALL, RESULT, ANSWER, AGAIN], "Tomorrow: 19 C with clouds."),
    ]
    ids = []
    for prompt, completion in turns:
        with stacklens.start_trace("chat-turn") as turn:
            turn.set_attribute("session_id", "s-chat")
            turn.set_attribute("user_id", "u-chat")
            turn.record_llm(model="gpt-4o-mini", provider="openai", input_tokens=120, output_tokens=30,
                            cost_usd=0.0004, prompt=json.dumps(prompt), completion=completion)
            ids.append(turn.trace_id)
    return {"turns": ids}


def main() -> None:
    url, key, command, *rest = sys.argv[1:]
    stacklens.configure(api_key=key, endpoint=url, max_retries=0)
    try:
        if command == "send-traces":
            out = send_traces()
        elif command == "conversation":
            out = send_conversation()
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
