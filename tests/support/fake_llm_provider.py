"""A stand-in for the OpenAI and Anthropic APIs, which this machine cannot reach: the real
`openai` and `anthropic` packages are pointed at it (base_url) by the SDK's instrumentation
tests. It answers in the providers' own shapes, streaming included (server-sent events), and
with their error bodies:

  POST /v1/chat/completions   OpenAI chat completions; stream=true streams chunks (with a usage
                              chunk when stream_options.include_usage is set)
  POST /v1/responses          the OpenAI Responses API; stream=true streams response.created ...
                              response.completed (response.incomplete when max_output_tokens cuts
                              the reply short, as the real API does; models "failed...": a response
                              with status "failed" and its error, response.failed when streamed)
  POST /v1/messages           Anthropic messages; stream=true streams message_start ...
                              message_stop

The reply is "echo: " and the last user message's text (or the Responses API's input string), one chunk per word when streamed;
chat completions and messages answer the text between REPLY<< and >>REPLY instead when the message holds one.
Usage is counted in words. Models select errors: "error-400" (invalid request), "error-401",
"error-429" (rate limited, Retry-After: 0), "error-500"; "flaky-429-N" and "flaky-500-N" answer
that error to the model's first N requests and then succeed; "slow-MS" answers after MS
milliseconds."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple

ERRORS = {"error-400": 400, "error-401": 401, "error-429": 429, "error-500": 500}
OPENAI_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 429: "rate_limit_exceeded",
                      500: "server_error"}
ANTHROPIC_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
                         500: "api_error"}
CACHED_TOKENS = 2  # reported as read from the provider's prompt cache when the prompt is long enough
REASONING_TOKENS = 1


def _last_user_text(messages: List[Dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, str):
                return content
            return " ".join(part.get("text", "") for part in content or [] if isinstance(part, dict))
    return ""


def _reply_to(text: str) -> str:
    """The reply to a user message: "echo: " and the text, unless the text scripts the answer
    between REPLY<< and >>REPLY (as judge tests do: the answer an evaluator's judge gives)."""
    start, end = text.find("REPLY<<"), text.find(">>REPLY")
    if start >= 0 and end > start:
        return text[start + len("REPLY<<"):end]
    return "echo: " + text


def _words(text: str) -> int:
    return max(1, len(text.split()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait between them
    server: "FakeProvider"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _json(self, status: int, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _events(self, events: Iterator[Tuple[Optional[str], str]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for name, data in events:
            chunk = (f"event: {name}\n" if name else "") + f"data: {data}\n\n"
            self.wfile.write(chunk.encode())
            self.wfile.flush()
        self.close_connection = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        with self.server.lock:
            self.server.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if self.path.rstrip("/").endswith("/chat/completions"):
            self._openai_chat(body)
        elif self.path.rstrip("/").endswith("/responses"):
            self._openai_responses(body)
        elif self.path.rstrip("/").endswith("/messages"):
            self._anthropic_messages(body)
        else:
            self._json(404, {"error": {"message": f"Unknown path {self.path}", "type": "invalid_request_error",
                                       "param": None, "code": "unknown_url"}})

    # --- OpenAI ----------------------------------------------------------------------------------

    def _openai_error(self, status: int, message: str, param: Optional[str] = None) -> None:
        headers = {"Retry-After": "0"} if status == 429 else None
        self._json(status, {"error": {"message": message, "type": OPENAI_ERROR_TYPES[status], "param": param,
                                      "code": None if status >= 500 else "fake_error"}}, headers)

    def _openai_chat(self, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or "model" not in body:
            self._openai_error(400, "'model' and 'messages' are required properties", "messages")
            return
        model = body["model"]
        failure = ERRORS.get(model) or self.server.scripted_status(model)
        if failure:
            self._openai_error(failure, f"The fake provider answers {failure} for model {model}")
            return
        reply = _reply_to(_last_user_text(body["messages"]))
        prompt_tokens = sum(_words(json.dumps(m.get("content"))) for m in body["messages"])
        completion_tokens = _words(reply)
        usage = {
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": min(CACHED_TOKENS, prompt_tokens), "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": min(REASONING_TOKENS, completion_tokens),
                                          "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        }
        ident, created = "chatcmpl-" + uuid.uuid4().hex[:24], int(time.time())
        if not body.get("stream"):
            self._json(200, {
                "id": ident, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply, "refusal": None,
                                                      "annotations": []},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": usage, "service_tier": "default", "system_fingerprint": "fp_fake",
            })
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunks() -> Iterator[Tuple[Optional[str], str]]:
            def chunk(delta: Dict[str, Any], finish: Optional[str]) -> str:
                return json.dumps({"id": ident, "object": "chat.completion.chunk", "created": created,
                                   "model": model, "system_fingerprint": "fp_fake",
                                   "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                "finish_reason": finish}],
                                   **({"usage": None} if include_usage else {})})
            yield None, chunk({"role": "assistant", "content": "", "refusal": None}, None)
            words = reply.split(" ")
            for i, w in enumerate(words):
                yield None, chunk({"content": w + (" " if i < len(words) - 1 else "")}, None)
            yield None, chunk({}, "stop")
            if include_usage:
                yield None, json.dumps({"id": ident, "object": "chat.completion.chunk", "created": created,
                                        "model": model, "system_fingerprint": "fp_fake", "choices": [],
                                        "usage": usage})
            yield None, "[DONE]"

        self._events(chunks())

    def _openai_responses(self, body: Any) -> None:
        items = body.get("input") if isinstance(body, dict) else None
        if not isinstance(items, (str, list)) or "model" not in body:
            self._openai_error(400, "Missing required parameter: 'input'.", "input")
            return
        model = body["model"]
        failure = ERRORS.get(model) or self.server.scripted_status(model)
        if failure:
            self._openai_error(failure, f"The fake provider answers {failure} for model {model}")
            return
        if isinstance(items, str):
            items = [{"role": "user", "content": items}]
        words = ("echo: " + _last_user_text(items)).split(" ")
        limit = body.get("max_output_tokens")
        incomplete = isinstance(limit, int) and limit < len(words)
        if incomplete:
            words = words[:limit]
        reply = " ".join(words)
        instructions = body.get("instructions")
        input_tokens = sum(_words(json.dumps(m.get("content"))) for m in items if isinstance(m, dict))
        input_tokens += _words(instructions) if isinstance(instructions, str) else 0
        output_tokens = len(words)
        usage = {"input_tokens": input_tokens,
                 "input_tokens_details": {"cached_tokens": min(CACHED_TOKENS, input_tokens)},
                 "output_tokens": output_tokens,
                 "output_tokens_details": {"reasoning_tokens": min(REASONING_TOKENS, output_tokens)},
                 "total_tokens": input_tokens + output_tokens}
        ident, item_id, created = "resp_" + uuid.uuid4().hex, "msg_" + uuid.uuid4().hex, time.time()
        status = "incomplete" if incomplete else "completed"

        def part(text: str) -> Dict[str, Any]:
            return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

        def message(item_status: str, content: List[Dict[str, Any]]) -> Dict[str, Any]:
            return {"type": "message", "id": item_id, "status": item_status, "role": "assistant", "content": content}

        def response(state: str, output: List[Dict[str, Any]], used: Optional[Dict[str, Any]]) -> Dict[str, Any]:
            return {"id": ident, "object": "response", "created_at": created, "status": state,
                    "completed_at": time.time() if state == "completed" else None, "error": None,
                    "incomplete_details": {"reason": "max_output_tokens"} if state == "incomplete" else None,
                    "instructions": instructions, "max_output_tokens": limit, "model": model, "output": output,
                    "parallel_tool_calls": True, "previous_response_id": None,
                    "reasoning": {"effort": None, "summary": None}, "store": True,
                    "temperature": body.get("temperature", 1.0), "text": {"format": {"type": "text"}},
                    "tool_choice": "auto", "tools": [], "top_p": body.get("top_p", 1.0), "truncation": "disabled",
                    "usage": used, "user": None, "metadata": {}}

        done = response(status, [message(status, [part(reply)])], usage)
        if model.startswith("failed"):  # the model failed mid-answer: status "failed" and the error, no output
            status, words = "failed", []
            done = {**response("failed", [], None),
                    "error": {"code": "server_error", "message": "The fake model failed to answer"}}
        if not body.get("stream"):
            self._json(200, done)
            return

        def events() -> Iterator[Tuple[Optional[str], str]]:
            sequence = iter(range(1_000_000))

            def event(kind: str, **fields: Any) -> Tuple[str, str]:
                return kind, json.dumps({"type": kind, "sequence_number": next(sequence), **fields})

            at = {"item_id": item_id, "output_index": 0, "content_index": 0}
            yield event("response.created", response=response("in_progress", [], None))
            yield event("response.in_progress", response=response("in_progress", [], None))
            if status == "failed":
                yield event("response.failed", response=done)
                return
            yield event("response.output_item.added", output_index=0, item=message("in_progress", []))
            yield event("response.content_part.added", **at, part=part(""))
            for i, w in enumerate(words):
                yield event("response.output_text.delta", **at, delta=w + (" " if i < len(words) - 1 else ""),
                            logprobs=[])
            yield event("response.output_text.done", **at, text=reply, logprobs=[])
            yield event("response.content_part.done", **at, part=part(reply))
            yield event("response.output_item.done", output_index=0, item=message(status, [part(reply)]))
            yield event(f"response.{status}", response=done)

        self._events(events())

    # --- Anthropic -------------------------------------------------------------------------------

    def _anthropic_error(self, status: int, message: str) -> None:
        headers = {"Retry-After": "0"} if status == 429 else None
        self._json(status, {"type": "error", "error": {"type": ANTHROPIC_ERROR_TYPES[status], "message": message}},
                   headers)

    def _anthropic_messages(self, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or "max_tokens" not in body:
            self._anthropic_error(400, "max_tokens: Field required")
            return
        model = body.get("model", "")
        failure = ERRORS.get(model) or self.server.scripted_status(model)
        if failure:
            self._anthropic_error(failure, f"The fake provider answers {failure} for model {model}")
            return
        reply = _reply_to(_last_user_text(body["messages"]))
        # Anthropic counts cached prompt tokens apart from input_tokens.
        prompt_tokens = sum(_words(json.dumps(m.get("content"))) for m in body["messages"])
        cache_read = min(CACHED_TOKENS, prompt_tokens)
        usage = {"input_tokens": prompt_tokens - cache_read, "output_tokens": _words(reply),
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": cache_read,
                 "service_tier": "standard"}
        ident = "msg_" + uuid.uuid4().hex[:24]
        if not body.get("stream"):
            self._json(200, {"id": ident, "type": "message", "role": "assistant", "model": model,
                             "content": [{"type": "text", "text": reply}], "stop_reason": "end_turn",
                             "stop_sequence": None, "usage": usage})
            return

        def events() -> Iterator[Tuple[Optional[str], str]]:
            start = {"id": ident, "type": "message", "role": "assistant", "model": model, "content": [],
                     "stop_reason": None, "stop_sequence": None, "usage": {**usage, "output_tokens": 1}}
            yield "message_start", json.dumps({"type": "message_start", "message": start})
            yield "content_block_start", json.dumps({"type": "content_block_start", "index": 0,
                                                     "content_block": {"type": "text", "text": ""}})
            words = reply.split(" ")
            for i, w in enumerate(words):
                text = w + (" " if i < len(words) - 1 else "")
                yield "content_block_delta", json.dumps({"type": "content_block_delta", "index": 0,
                                                         "delta": {"type": "text_delta", "text": text}})
            yield "content_block_stop", json.dumps({"type": "content_block_stop", "index": 0})
            yield "message_delta", json.dumps({"type": "message_delta",
                                               "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                               "usage": {"output_tokens": usage["output_tokens"]}})
            yield "message_stop", json.dumps({"type": "message_stop"})

        self._events(events())


class FakeProvider(ThreadingHTTPServer):
    """`with FakeProvider() as p:` serves on a free loopback port; `p.url` is its base URL,
    `p.requests` what it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: List[Dict[str, Any]] = []
        self._failed: Dict[str, int] = {}
        self.slow_answers: List[Tuple[str, float, float]] = []  # "slow-MS" models: (model, began, waited until)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def scripted_status(self, model: str) -> int:
        """The error a "flaky-STATUS-N" model answers now (0: none), after a "slow-MS" model's wait."""
        parts = model.split("-")
        if len(parts) == 2 and parts[0] == "slow" and parts[1].isdigit():
            began = time.monotonic()
            time.sleep(int(parts[1]) / 1000)
            with self.lock:
                self.slow_answers.append((model, began, time.monotonic()))
        if len(parts) != 3 or parts[0] != "flaky" or not parts[1].isdigit() or not parts[2].isdigit():
            return 0
        with self.lock:
            failed = self._failed.get(model, 0)
            if failed >= int(parts[2]):
                return 0
            self._failed[model] = failed + 1
        return int(parts[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":
    # A provider in a process of its own (bench/sdk_overhead.py: the caller's timings then share
    # no interpreter lock with it); prints its URL, serves until killed.
    with FakeProvider() as standalone:
        print(standalone.url, flush=True)
        threading.Event().wait()
