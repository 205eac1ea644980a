"""The committed price table (data/prices/prices.json): its format, its source, and that it prices the
models a user sends as LiteLLM does. Needs no server."""

from __future__ import annotations

import datetime
import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "data" / "prices" / "prices.json"
USAGE_TYPES = {"input", "output", "cache_read", "cache_write", "reasoning"}
ENTRY_KEYS = {"model", "pattern", "provider", "effective_from", "prices", "source", "tiers"}
REQUIRED_PROVIDERS = {
    "openai",
    "anthropic",
    "gemini",
    "vertex_ai",
    "mistral",
    "bedrock",
    "azure",
    "groq",
    "deepseek",
    "xai",
}


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("refresh_prices", ROOT / "scripts" / "refresh_prices.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PRICES.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def entries(table: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = table["entries"]
    return result


def is_date(text: Any) -> bool:
    try:
        return bool(datetime.date.fromisoformat(text).isoformat() == text)
    except (TypeError, ValueError):
        return False


def is_price(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def resolve(entries: list[dict[str, Any]], model: str, provider: str | None) -> list[dict[str, Any]]:
    """The entries that price `model` by the file's documented rule: an equal model name first, else a
    matching pattern; the latest effective_from of each. More than one means the table is ambiguous."""
    candidates = [e for e in entries if provider is None or e["provider"] == provider]
    hits = [e for e in candidates if e["model"].lower() == model.lower()]
    if not hits:
        hits = [e for e in candidates if re.search(e["pattern"], model, re.IGNORECASE)]
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for e in hits:
        key = (e["model"].lower(), e["provider"])
        if key not in latest or e["effective_from"] > latest[key]["effective_from"]:
            latest[key] = e
    return list(latest.values())


def test_header_names_source_licence_and_format(table: dict[str, Any]) -> None:
    fmt, source, licence = table["format"], table["source"], table["licence"]
    assert fmt["version"] == 1 and fmt["unit"] == "USD per million tokens"
    assert {"pattern", "pricing", "effective_from"} <= fmt.keys()
    assert source["package"] == "litellm" and re.fullmatch(r"\d+\.\d+\.\d+(\.post\d+)?", source["version"])
    assert source["file"] == "litellm/model_prices_and_context_window_backup.json"
    assert re.fullmatch(r"[0-9a-f]{64}", source["wheel_sha256"])
    assert source["wheel"].startswith(f"litellm-{source['version']}-") and source["wheel"].endswith(".whl")
    assert licence["name"] == "MIT" and licence["copyright"].startswith("Copyright (c) ")
    notice = (PRICES.parent / "LICENSE-litellm").read_text(encoding="utf-8")
    assert licence["copyright"] in notice and "Permission is hereby granted" in notice
    assert is_date(table["retrieved"])


def test_every_entry_is_well_formed(table: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    for e in entries:
        where = f"{e.get('provider')}/{e.get('model')}"
        assert set(e) <= ENTRY_KEYS and ENTRY_KEYS - {"tiers"} <= set(e), where
        assert isinstance(e["model"], str) and e["model"].strip() == e["model"] != "", where
        assert re.fullmatch(r"[a-z][a-z0-9_]*", e["provider"]), where
        assert is_date(e["effective_from"]) and e["effective_from"] <= table["retrieved"], where
        assert {"input", "output"} <= e["prices"].keys() <= USAGE_TYPES, where
        assert all(is_price(v) for v in e["prices"].values()), where
        thresholds = [t["above_input_tokens"] for t in e.get("tiers", [])]
        assert thresholds == sorted(set(thresholds)) and all(isinstance(t, int) and t > 0 for t in thresholds), where
        for tier in e.get("tiers", []):
            assert set(tier) == {"above_input_tokens", "prices"}, where
            assert tier["prices"] and tier["prices"].keys() <= USAGE_TYPES, where
            assert all(is_price(v) for v in tier["prices"].values()), where
        assert isinstance(e["source"]["key"], str) and isinstance(e["source"]["litellm_provider"], str), where


def test_patterns_compile_in_the_portable_subset_and_match_their_model(entries: list[dict[str, Any]]) -> None:
    for e in entries:
        pattern = e["pattern"]
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
        # Only non-capturing groups: no lookaround, named groups or inline flags, which ECMAScript or RE2 lack.
        assert re.search(r"\(\?(?!:)", pattern) is None, pattern
        assert re.search(r"\\[1-9]", pattern) is None, pattern
        assert re.fullmatch(pattern, e["model"], re.IGNORECASE), pattern


def test_no_two_entries_share_pattern_provider_and_date(entries: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for e in entries:
        for key in (
            (e["pattern"].lower(), e["provider"], e["effective_from"]),
            (e["model"].lower(), e["provider"], e["effective_from"]),
        ):
            assert key not in seen, key
            seen.add(key)


def test_covers_the_common_providers(table: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    assert len({(e["model"].lower(), e["provider"]) for e in entries}) >= 250
    by_provider: dict[str, int] = {}
    for e in entries:
        by_provider[e["provider"]] = by_provider.get(e["provider"], 0) + 1
    assert REQUIRED_PROVIDERS <= by_provider.keys(), REQUIRED_PROVIDERS - by_provider.keys()
    llama_hosts = {e["provider"] for e in entries if "llama" in e["model"].lower()}
    assert {"bedrock", "vertex_ai", "together_ai"} <= llama_hosts, llama_hosts
    assert set(table["provider_aliases"].values()) <= by_provider.keys()


def test_well_known_models_are_priced_as_litellm_says(entries: list[dict[str, Any]]) -> None:
    [mini] = resolve(entries, "gpt-4o-mini", "openai")
    assert mini["prices"] == {"input": 0.15, "output": 0.6, "cache_read": 0.075}
    [gpt4o] = resolve(entries, "gpt-4o", "openai")
    assert gpt4o["prices"]["input"] == 2.5 and gpt4o["prices"]["output"] == 10.0
    [gemini] = resolve(entries, "gemini-2.5-pro", "gemini")
    assert gemini["prices"]["input"] == 1.25
    assert gemini["tiers"] == [
        {"above_input_tokens": 200000, "prices": {"cache_read": 0.25, "input": 2.5, "output": 15.0}}
    ]
    [sonnet] = resolve(entries, "claude-sonnet-4-5", "anthropic")
    assert sonnet["prices"] == {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}
    assert any("reasoning" in e["prices"] for e in entries)


def test_dated_variants_match_their_model_and_nothing_longer(entries: list[dict[str, Any]]) -> None:
    assert resolve(entries, "gpt-4o-mini-2024-07-18", "openai")
    [future] = resolve(entries, "gpt-4o-mini-2030-01-01", "openai")
    assert future["model"] == "gpt-4o-mini"
    assert resolve(entries, "claude-3-5-sonnet-20241022", None)
    [vertex] = resolve(entries, "claude-3-5-sonnet@20241022", "vertex_ai")
    assert vertex["model"] == "claude-3-5-sonnet"
    [finetuned] = resolve(entries, "ft:gpt-4o-mini-2024-07-18:acme::AbC123", "openai")
    assert finetuned["model"] == "ft:gpt-4o-mini-2024-07-18"
    assert resolve(entries, "gpt-4o-mini-unknown-variant", "openai") == []
    assert resolve(entries, "GPT-4O-MINI", "openai") == resolve(entries, "gpt-4o-mini", "openai")


def test_every_model_and_dated_variant_resolves_to_one_entry(entries: list[dict[str, Any]]) -> None:
    for e in entries:
        for name in (e["model"], e["model"] + "-2030-01-01"):
            hits = resolve(entries, name, e["provider"])
            assert len(hits) <= 1, (name, e["provider"], [h["model"] for h in hits])


def test_file_is_in_the_scripts_stable_order(table: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    script = load_script()
    header = {k: v for k, v in table.items() if k != "entries"}
    assert script.render(header, entries) == PRICES.read_text(encoding="utf-8")
    assert entries == sorted(
        entries, key=lambda e: (e["provider"], e["model"].lower(), e["model"], e["effective_from"])
    )
    assert PRICES.stat().st_size < 1024 * 1024
