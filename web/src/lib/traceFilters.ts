// The Traces page's filters: read from the URL, written to the URL, sent to the API.
import type { Query } from "../api/client";
import { isoSeconds, rangeFromQuery } from "./timeRange";

export interface TraceFilters {
  name: string; model: string; provider: string; status: string;
  tags: string[]; attrs: string[]; minLatencyMs: string; minCostUsd: string;
  scores: string[];  // "accuracy>0.8", all must match
  sortScore: string; // sort by this score's average, highest first
}

export const NO_FILTERS: TraceFilters = {
  name: "", model: "", provider: "", status: "", tags: [], attrs: [], minLatencyMs: "", minCostUsd: "", scores: [],
  sortScore: "",
};

export function filtersFromQuery(q: URLSearchParams): TraceFilters {
  return {
    name: q.get("name") ?? "",
    model: q.get("model") ?? "",
    provider: q.get("provider") ?? "",
    status: q.get("status") ?? "",
    tags: q.getAll("tag"),
    attrs: q.getAll("attr"),
    minLatencyMs: q.get("min_latency_ms") ?? "",
    minCostUsd: q.get("min_cost_usd") ?? "",
    scores: q.getAll("score"),
    sortScore: (q.get("sort") ?? "").replace(/^score:/, ""),
  };
}

/** Keeps the time range keys of `base` and replaces every filter key. */
export function filtersToQuery(f: TraceFilters, base: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of ["range", "from", "to", "live", "session_id", "user_id", "unpriced"]) {
    const v = base.get(k);
    if (v) q.set(k, v);
  }
  const single: [string, string][] = [
    ["name", f.name], ["model", f.model], ["provider", f.provider], ["status", f.status],
    ["min_latency_ms", f.minLatencyMs], ["min_cost_usd", f.minCostUsd],
  ];
  for (const [k, v] of single) if (v.trim()) q.set(k, v.trim());
  for (const t of f.tags) if (t.trim()) q.append("tag", t.trim());
  for (const a of f.attrs) if (a.trim()) q.append("attr", a.trim());
  for (const c of f.scores) if (c.trim()) q.append("score", c.trim());
  if (f.sortScore.trim()) q.set("sort", `score:${f.sortScore.trim()}`);
  return q;
}

export function apiQuery(q: URLSearchParams, cursor?: string): Query {
  const f = filtersFromQuery(q);
  const range = rangeFromQuery(q);
  return {
    from: isoSeconds(range.from),
    to: range.id === "custom" ? isoSeconds(range.to, true) : undefined,
    name: f.name, model: f.model, provider: f.provider, status: f.status,
    tag: f.tags, attr: f.attrs,
    session_id: q.get("session_id") ?? undefined, user_id: q.get("user_id") ?? undefined,
    unpriced: q.get("unpriced") === "true" ? "true" : undefined,
    min_latency_ms: f.minLatencyMs, min_cost_usd: f.minCostUsd,
    score: f.scores, sort: f.sortScore ? `score:${f.sortScore}` : undefined,
    limit: 50, cursor,
  };
}

export const splitList = (text: string, sep: RegExp) => text.split(sep).map((s) => s.trim()).filter(Boolean);
