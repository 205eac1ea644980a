"""Refreshes data/prices/prices.json from the model price file that LiteLLM publishes (MIT).

    python3 scripts/refresh_prices.py [--version 1.110.2] [--wheel PATH] [--output PATH]

Downloads the `litellm` wheel from PyPI with pip (no install, no dependencies), reads
litellm/model_prices_and_context_window_backup.json out of it, keeps the chat models of the
providers in PROVIDERS and writes them in our format (data/prices/README.md). Prints the
entries per provider and what changed against the file already there.

An entry whose prices did not change keeps its effective_from; one whose prices changed gets a
new version effective from today, and the old version stays for spans recorded before it.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "data" / "prices" / "prices.json"
PRICE_FILE = "litellm/model_prices_and_context_window_backup.json"
FORMAT = 1

# LiteLLM's litellm_provider → the provider name StackLens stores. Providers not listed are left out:
# resellers and gateways, and "codestral" (Mistral's free endpoint, whose $0 would shadow Mistral's price).
PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "vertex_ai": "vertex_ai",
    "vertex_ai-language-models": "vertex_ai",
    "vertex_ai-anthropic_models": "vertex_ai",
    "vertex_ai-llama_models": "vertex_ai",
    "vertex_ai-mistral_models": "vertex_ai",
    "vertex_ai-deepseek_models": "vertex_ai",
    "vertex_ai-openai_models": "vertex_ai",
    "vertex_ai-qwen_models": "vertex_ai",
    "vertex_ai-ai21_models": "vertex_ai",
    "mistral": "mistral",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "bedrock_mantle": "bedrock",
    "azure": "azure",
    "azure_text": "azure",
    "azure_ai": "azure_ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "xai": "xai",
    "together_ai": "together_ai",
    "fireworks_ai": "fireworks_ai",
    "deepinfra": "deepinfra",
    "cerebras": "cerebras",
    "sambanova": "sambanova",
    "perplexity": "perplexity",
    "cohere": "cohere",
    "cohere_chat": "cohere",
}

# Provider names that instrumentations put on spans (OpenTelemetry GenAI gen_ai.system /
# gen_ai.provider.name, OpenInference llm.provider / llm.system) → the names above.
PROVIDER_ALIASES = {
    "aws.bedrock": "bedrock",
    "aws": "bedrock",
    "az.ai.inference": "azure_ai",
    "azure.ai.inference": "azure_ai",
    "azure.ai.openai": "azure",
    "gcp.gemini": "gemini",
    "google": "gemini",
    "gcp.vertex_ai": "vertex_ai",
    "vertexai": "vertex_ai",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "x_ai": "xai",
    "together": "together_ai",
    "fireworks": "fireworks_ai",
}

# Route prefixes of LiteLLM's keys ("azure/gpt-4o", "bedrock/converse/...") that are not part of the
# model name a provider's API reports.
ROUTE_PREFIXES = {
    "openai",
    "anthropic",
    "gemini",
    "vertex_ai",
    "mistral",
    "bedrock",
    "bedrock_mantle",
    "azure",
    "azure_ai",
    "groq",
    "deepseek",
    "xai",
    "together_ai",
    "fireworks_ai",
    "deepinfra",
    "cerebras",
    "sambanova",
    "perplexity",
    "cohere",
    "cohere_chat",
}
BEDROCK_ROUTES = {"invoke", "converse"}
# A second segment that names a region, data zone or commitment: prices a span cannot tell apart.
REGIONAL = re.compile(r"^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|us|eu|apac|us-gov|global|global-standard|claude_platform|\*)$")

CHAT_MODES = {"chat", "completion", "responses"}
# LiteLLM field → our usage type. Everything else (batch, flex, priority, audio, images, 1-hour
# cache writes) is dropped: spans do not say which of those a call used.
USAGE_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "output_cost_per_reasoning_token": "reasoning",
}
TIER_FIELD = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
    r"cache_creation_input_token_cost|output_cost_per_reasoning_token)_above_(\d+)k_tokens$"
)

ENDS_DATED = re.compile(r"(?:-20\d{2}-\d{2}-\d{2}|[-@]20\d{6})$")
DATE_SUFFIX = r"(?:-20\d{2}-\d{2}-\d{2}|[-@]20\d{6})?"
REGEX_SPECIAL = set(".^$|?*+()[]{}\\")

PATTERN_SYNTAX = (
    "pattern is a regular expression in the subset shared by ECMAScript, RE2 and Python (literals, "
    "\\ escapes, \\d, (?:...), ?, {n}, |), anchored with ^ and $ so it matches the whole model name, "
    "compared case-insensitively. A span's model is priced by the entry whose model equals it "
    "(case-insensitively); failing that, by the entry whose pattern matches it. A pattern also "
    "matches dated variants of its model (-2024-07-18, -20241022, @20241022) and, for a fine-tuned "
    "model (ft:...), the ':org::id' tail OpenAI appends."
)
PRICING_NOTE = (
    "Prices are USD per million tokens. cache_read prices cached input tokens and cache_write the "
    "tokens written to a prompt cache; reasoning prices reasoning tokens. A usage type without a "
    "price is priced as input (cache_read, cache_write) or output (reasoning). A tier applies to "
    "the whole call when its input tokens (cached ones included) exceed above_input_tokens; a usage "
    "type missing from a tier keeps the entry's own price. The highest tier that applies wins."
)
EFFECTIVE_FROM_NOTE = (
    "LiteLLM gives no dates: effective_from is the retrieved date of the refresh that first saw "
    "that price. An entry whose price changed in a refresh keeps its earlier version; of the "
    "entries for one model and provider, the one with the latest effective_from not after a "
    "span's time applies."
)


def escape(text: str) -> str:
    return "".join("\\" + c if c in REGEX_SPECIAL else c for c in text)


def pattern_for(model: str) -> str:
    body = escape(model)
    if model.startswith("ft:"):
        return f"^{body}(?::.+)?$"
    if ENDS_DATED.search(model) or "@" in model or ":" in model or model.endswith("-latest"):
        return f"^{body}$"
    return f"^{body}{DATE_SUFFIX}$"


def per_million(cost: Any) -> float | None:
    if not isinstance(cost, (int, float)) or isinstance(cost, bool) or cost < 0:
        return None
    return float(f"{cost * 1_000_000:.10g}")


def model_name(key: str) -> str | None:
    """The model name a provider reports for a LiteLLM key, or None for a regional variant."""
    parts = key.split("/")
    if len(parts) > 1 and parts[0] in ROUTE_PREFIXES:
        parts = parts[1:]
        if parts[0] in BEDROCK_ROUTES and len(parts) > 1:
            parts = parts[1:]
        elif len(parts) > 1 and REGIONAL.match(parts[0]):
            return None
    return "/".join(parts)


def prices_of(spec: dict[str, Any]) -> tuple[dict[str, float], list[dict[str, Any]]]:
    prices = {}
    for field, usage in USAGE_FIELDS.items():
        value = per_million(spec.get(field))
        if value is not None:
            prices[usage] = value
    tiers: dict[int, dict[str, float]] = {}
    for field, cost in spec.items():
        m = TIER_FIELD.match(field)
        value = per_million(cost)
        if m and value is not None:
            tiers.setdefault(int(m.group(2)) * 1000, {})[USAGE_FIELDS[m.group(1)]] = value
    for tier in spec.get("tiered_pricing") or []:  # [{"range": [from, to], "input_cost_per_token": ...}]
        start = int(tier.get("range", [0])[0])
        tier_prices = {usage: v for f, usage in USAGE_FIELDS.items() if (v := per_million(tier.get(f))) is not None}
        if start == 0:
            prices.update(tier_prices)
        elif tier_prices:
            tiers.setdefault(start, {}).update(tier_prices)
    return prices, [{"above_input_tokens": t, "prices": tiers[t]} for t in sorted(tiers)]


def convert(litellm: dict[str, Any], retrieved: str) -> tuple[list[dict[str, Any]], int]:
    """Our entries for LiteLLM's table, one per (model, provider), and how many conflicts were dropped."""
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    conflicts = 0
    # Bare keys first, then route-prefixed ones: when two keys name the same model at one provider
    # with different prices, the bare key (the provider's own name for it) wins.
    for key in sorted(litellm, key=lambda k: (k.count("/"), k)):
        spec = litellm[key]
        if not isinstance(spec, dict) or spec.get("mode") not in CHAT_MODES:
            continue
        provider = PROVIDERS.get(spec.get("litellm_provider", ""))
        model = model_name(key)
        if provider is None or model is None:
            continue
        prices, tiers = prices_of(spec)
        if "input" not in prices or "output" not in prices:
            continue
        entry: dict[str, Any] = {
            "model": model,
            "pattern": pattern_for(model),
            "provider": provider,
            "effective_from": retrieved,
            "prices": prices,
            "source": {"key": key, "litellm_provider": spec["litellm_provider"]},
        }
        if tiers:
            entry["tiers"] = tiers
        slot = (model.lower(), provider)
        if slot not in chosen:
            chosen[slot] = entry
        elif price_of(chosen[slot]) != price_of(entry):
            conflicts += 1
    return list(chosen.values()), conflicts


def price_of(entry: dict[str, Any]) -> tuple[str, str, str]:
    return entry["pattern"], json.dumps(entry["prices"], sort_keys=True), json.dumps(entry.get("tiers"), sort_keys=True)


def slot_of(entry: dict[str, Any]) -> tuple[str, str]:
    return entry["model"].lower(), entry["provider"]


def merge(
    old: list[dict[str, Any]], new: list[dict[str, Any]], retrieved: str
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """The refreshed entries, keeping unchanged prices' dates and earlier versions of changed ones."""
    history: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in old:
        history.setdefault(slot_of(e), []).append(e)
    for versions in history.values():
        versions.sort(key=lambda e: e["effective_from"])
    out: list[dict[str, Any]] = []
    diff: dict[str, list[Any]] = {"added": [], "removed": [], "changed": []}
    seen = set()
    for e in new:
        slot = slot_of(e)
        seen.add(slot)
        versions = history.get(slot, [])
        if not versions:
            diff["added"].append(e)
            out.append(e)
            continue
        latest = versions[-1]
        if price_of(latest) == price_of(e):
            out.extend(versions[:-1])
            out.append({**e, "effective_from": latest["effective_from"]})
            continue
        diff["changed"].append((latest, e))
        # A second refresh on one day replaces that day's version rather than adding another.
        out.extend(v for v in versions if v["effective_from"] != retrieved)
        out.append(e)
    diff["removed"] = [vs[-1] for slot, vs in history.items() if slot not in seen]
    out.sort(key=lambda e: (e["provider"], e["model"].lower(), e["model"], e["effective_from"]))
    return out, diff


def render(header: dict[str, Any], entries: Iterable[dict[str, Any]]) -> str:
    """The file: the header pretty-printed, then one entry per line, so a refresh diffs by model."""
    head = json.dumps(header, indent=2, sort_keys=True, ensure_ascii=False)
    lines = ["    " + json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for e in entries]
    return head[:-2] + ',\n  "entries": [\n' + ",\n".join(lines) + "\n  ]\n}\n"


def download(version: str | None, into: Path) -> Path:
    spec = f"litellm=={version}" if version else "litellm"
    print(f"downloading {spec} from PyPI with pip (wheel only, no dependencies)...", flush=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "on"]
    command += ["--disable-pip-version-check", "-d", str(into), spec]
    if subprocess.run(command, check=False).returncode != 0:
        sys.exit(f"pip could not download {spec} (see its message above)")
    wheels = sorted(into.glob("litellm-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one litellm wheel in {into}, found {[w.name for w in wheels]}")
    return wheels[0]


def read_wheel(wheel: Path) -> tuple[dict[str, Any], str, str, str]:
    """LiteLLM's price table, the package version, its MIT licence text and copyright line."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        table = json.loads(z.read(PRICE_FILE))
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        licence_files = [n for n in names if re.search(r"\.dist-info/(licenses/)?LICENSE$", n)]
        licence = z.read(licence_files[0]).decode() if licence_files else ""
    version = re.search(r"^Version: (.+)$", metadata, re.MULTILINE)
    expression = re.search(r"^License(?:-Expression)?: (.+)$", metadata, re.MULTILINE)
    copyright_line = re.search(r"^Copyright \(c\) .+$", licence, re.MULTILINE)
    if not version or not copyright_line or "MIT" not in (expression.group(1) if expression else licence):
        sys.exit(f"{wheel.name}: cannot find the version, the MIT licence or its copyright line")
    mit = licence[licence.index("MIT License") :] if "MIT License" in licence else licence
    return table, version.group(1).strip(), mit, copyright_line.group(0)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_existing(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return entries


def describe(e: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:g}" for k, v in sorted(e["prices"].items())) + (" +tiers" if e.get("tiers") else "")


def report(entries: list[dict[str, Any]], diff: dict[str, list[Any]], conflicts: int, limit: int) -> None:
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["provider"]] = counts.get(e["provider"], 0) + 1
    print(f"\n{len(entries)} entries:")
    for provider in sorted(counts, key=lambda p: (-counts[p], p)):
        print(f"  {provider:<14} {counts[provider]}")
    if conflicts:
        print(f"({conflicts} LiteLLM keys that priced an already-listed model differently were left out)")
    print(
        f"\nagainst the previous file: {len(diff['added'])} added, {len(diff['removed'])} removed, "
        f"{len(diff['changed'])} with new prices"
    )
    for label, items in (("added", diff["added"]), ("removed", diff["removed"])):
        for e in items[:limit]:
            print(f"  {label:<8} {e['provider']}/{e['model']}: {describe(e)}")
        if len(items) > limit:
            print(f"  ... and {len(items) - limit} more {label}")
    for old, new in diff["changed"][:limit]:
        print(f"  changed  {new['provider']}/{new['model']}: {describe(old)}  ->  {describe(new)}")
    if len(diff["changed"]) > limit:
        print(f"  ... and {len(diff['changed']) - limit} more changed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--version", help="litellm version to take (default: the newest on PyPI)")
    parser.add_argument("--wheel", type=Path, help="read this litellm wheel instead of downloading one")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--diff-limit", type=int, default=25, help="lines shown per kind of change")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(args.version, Path(tmp))
        print(f"reading {PRICE_FILE} from {wheel.name}", flush=True)
        table, version, licence, copyright_line = read_wheel(wheel)
        digest = sha256(wheel)

    retrieved = datetime.datetime.now(datetime.UTC).date().isoformat()
    new, conflicts = convert(table, retrieved)
    entries, diff = merge(load_existing(args.output), new, retrieved)
    header = {
        "format": {
            "version": FORMAT,
            "unit": "USD per million tokens",
            "pattern": PATTERN_SYNTAX,
            "pricing": PRICING_NOTE,
            "effective_from": EFFECTIVE_FROM_NOTE,
        },
        "source": {
            "package": "litellm",
            "version": version,
            "file": PRICE_FILE,
            "wheel": wheel.name,
            "wheel_sha256": digest,
            "refresh": "python3 scripts/refresh_prices.py",
        },
        "licence": {"name": "MIT", "copyright": copyright_line, "text": "LICENSE-litellm (beside this file)"},
        "retrieved": retrieved,
        "provider_aliases": PROVIDER_ALIASES,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(header, entries), encoding="utf-8")
    (args.output.parent / "LICENSE-litellm").write_text(licence.rstrip() + "\n", encoding="utf-8")
    report(entries, diff, conflicts, args.diff_limit)
    print(f"\nwrote {args.output} ({args.output.stat().st_size // 1024} KiB) from litellm {version}")


if __name__ == "__main__":
    main()
