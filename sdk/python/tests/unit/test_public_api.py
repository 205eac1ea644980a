"""The public surface: names, signatures and defaults exactly as the reference documents."""

from __future__ import annotations

import inspect
from typing import Any

import stacklens
from stacklens import _llm

NO_DEFAULT = inspect.Parameter.empty


def params(func: Any) -> dict[str, tuple[Any, Any]]:
    return {name: (p.kind, p.default) for name, p in inspect.signature(func).parameters.items()}


def test_all_is_pinned() -> None:
    assert sorted(stacklens.__all__) == [
        "ApiError",
        "AsyncDatasets",
        "AsyncGovernai",
        "AsyncPrompts",
        "AsyncStackLens",
        "AuthError",
        "Budget",
        "BudgetStatus",
        "CheckResult",
        "ConfigurationError",
        "Dataset",
        "DatasetItem",
        "Datasets",
        "EvaluationResult",
        "ExperimentSummary",
        "Finding",
        "Governai",
        "NetworkError",
        "Prompt",
        "Prompts",
        "Span",
        "StackLens",
        "StackLensError",
        "Stats",
        "TemplateError",
        "__version__",
        "abudget_status",
        "adatasets",
        "agovernai",
        "aprompts",
        "arun_experiment",
        "ascore",
        "astart_trace",
        "atrace",
        "budget_status",
        "configure",
        "datasets",
        "flush",
        "governai",
        "instrument_anthropic",
        "instrument_openai",
        "observe",
        "prompts",
        "run_experiment",
        "score",
        "shutdown",
        "start_trace",
        "stats",
        "trace",
    ]
    for name in stacklens.__all__:
        assert hasattr(stacklens, name), name


def test_exception_hierarchy() -> None:
    for exc in (
        stacklens.ConfigurationError,
        stacklens.AuthError,
        stacklens.ApiError,
        stacklens.NetworkError,
    ):
        assert issubclass(exc, stacklens.StackLensError)
    assert issubclass(stacklens.AuthError, stacklens.ApiError)
    assert issubclass(stacklens.StackLensError, Exception)
    error = stacklens.ApiError("bad", 418)
    assert error.status_code == 418
    assert str(error) == "bad"


def test_configure_signature() -> None:
    p = params(stacklens.configure)
    assert list(p)[:2] == ["api_key", "endpoint"]
    assert p["api_key"][0] is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert p["endpoint"][0] is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert p["background"] == (inspect.Parameter.KEYWORD_ONLY, False)
    assert p["max_queue_size"] == (inspect.Parameter.KEYWORD_ONLY, 10_000)
    assert p["transport"] == (inspect.Parameter.KEYWORD_ONLY, None)
    assert p["async_transport"] == (inspect.Parameter.KEYWORD_ONLY, None)


def test_trace_signature_matches_the_table() -> None:
    for func in (stacklens.trace, stacklens.atrace):
        p = params(func)
        kw = inspect.Parameter.KEYWORD_ONLY
        assert p == {
            "name": (inspect.Parameter.POSITIONAL_OR_KEYWORD, NO_DEFAULT),
            "model": (kw, NO_DEFAULT),
            "provider": (kw, NO_DEFAULT),
            "input_tokens": (kw, NO_DEFAULT),
            "output_tokens": (kw, NO_DEFAULT),
            "total_tokens": (kw, None),
            "cost_usd": (kw, 0.0),
            "attributes": (kw, None),
            "tags": (kw, None),
            "status": (kw, "ok"),
            "start_time": (kw, None),
            "end_time": (kw, None),
            "cached_tokens": (kw, None),
            "cache_write_tokens": (kw, None),
            "reasoning_tokens": (kw, None),
        }
    assert inspect.iscoroutinefunction(stacklens.atrace)


def test_record_llm_signature_matches_the_table() -> None:
    p = params(stacklens.Span.record_llm)
    assert list(p) == [
        "self",
        "model",
        "provider",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cost_usd",
        "temperature",
        "max_tokens",
        "prompt",
        "completion",
        "is_streaming",
        "finish_reason",
        "cached_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ]
    defaults = {name: default for name, (_, default) in p.items()}
    assert defaults["total_tokens"] is None
    assert defaults["cost_usd"] == 0.0
    assert defaults["temperature"] is None
    assert defaults["max_tokens"] is None
    assert defaults["prompt"] is None
    assert defaults["completion"] is None
    assert defaults["is_streaming"] is False
    assert defaults["finish_reason"] is None
    for usage in ("cached_tokens", "cache_write_tokens", "reasoning_tokens"):
        assert defaults[usage] is None
        assert p[usage][0] is inspect.Parameter.KEYWORD_ONLY
    for required in ("model", "provider", "input_tokens", "output_tokens"):
        assert defaults[required] is NO_DEFAULT


def llm_parameters(func: Any, fields: tuple[_llm.Field, ...]) -> None:
    """The LLM fields among func's parameters are `fields`: same order, same defaults."""
    names = {f.name for f in _llm.FIELDS}
    found = [(name, default) for name, (_, default) in params(func).items() if name in names]
    expected = [(f.name, NO_DEFAULT if f.default is _llm.REQUIRED else f.default) for f in fields]
    assert found == expected


def test_llm_signatures_follow_the_field_table() -> None:
    llm_parameters(stacklens.Span.record_llm, _llm.FIELDS)
    assert list(params(stacklens.Span.record_llm))[1:] == [f.name for f in _llm.FIELDS]
    for func in (stacklens.StackLens.trace, stacklens.AsyncStackLens.trace):
        llm_parameters(func, _llm.TRACE_FIELDS)


def test_span_methods() -> None:
    assert list(params(stacklens.Span.set_attribute)) == ["self", "key", "value"]
    assert params(stacklens.Span.add_tag)["tags"][0] is inspect.Parameter.VAR_POSITIONAL
    assert list(params(stacklens.Span.set_status)) == ["self", "status"]


def test_prompts_get_signature() -> None:
    for getter in (stacklens.prompts.get, stacklens.aprompts.get):
        p = params(getter)
        assert p == {
            "name": (inspect.Parameter.POSITIONAL_OR_KEYWORD, NO_DEFAULT),
            "env": (inspect.Parameter.KEYWORD_ONLY, "production"),
        }
    assert inspect.iscoroutinefunction(stacklens.aprompts.get)


def test_get_prompt_signature() -> None:
    for getter in (stacklens.prompts.get_prompt, stacklens.aprompts.get_prompt):
        assert params(getter) == {
            "name": (inspect.Parameter.POSITIONAL_OR_KEYWORD, NO_DEFAULT),
            "env": (inspect.Parameter.KEYWORD_ONLY, "production"),
            "user_id": (inspect.Parameter.KEYWORD_ONLY, None),
            "fallback": (inspect.Parameter.KEYWORD_ONLY, None),
        }
    assert inspect.iscoroutinefunction(stacklens.aprompts.get_prompt)


def test_start_trace_takes_a_name() -> None:
    assert list(params(stacklens.start_trace)) == ["name"]
    assert list(params(stacklens.astart_trace)) == ["name"]


def test_version() -> None:
    assert stacklens.__version__ == "0.1.0"
