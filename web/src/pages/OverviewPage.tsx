import { useState, type ReactNode } from "react";
import { traces } from "../api/endpoints";
import type { MetricPoint, Metrics } from "../api/types";
import { BarList } from "../charts/BarList";
import { LineChart } from "../charts/LineChart";
import { ErrorBanner } from "../components/ErrorBanner";
import { ScoreTrends } from "../components/ScoreTrends";
import { EmptyTraces } from "../components/SdkSnippet";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { fmtCompact, fmtCost, fmtInt, fmtMs } from "../lib/format";
import { groupTotals, toBuckets, totals, type Totals } from "../lib/metrics";
import { Link, navigate, useLocation } from "../lib/router";
import { isoSeconds, rangeFromQuery } from "../lib/timeRange";
import { useAsync } from "../lib/useAsync";

type SortKey = "requests" | "costUsd" | "p95";
const SORTS: { id: SortKey; label: string; fmt: (v: number) => string }[] = [
  { id: "requests", label: "volume", fmt: fmtCompact },
  { id: "costUsd", label: "cost", fmt: fmtCost },
  { id: "p95", label: "latency p95", fmt: fmtMs },
];

export function OverviewPage() {
  const { query } = useLocation();
  const range = rangeFromQuery(query);
  const kind = query.get("kind") ?? "";
  const [sort, setSort] = useState<SortKey>("requests");
  const key = `${range.id}|${query.get("from")}|${query.get("to")}|${kind}`;

  // The charts and totals first; the ranked lists after them, so the server's
  // two I/O threads answer what the page shows first.
  const fetchMetrics = (extra: Record<string, string | number>) => {
    const whole = Math.max(1, Math.ceil((range.to.getTime() - range.from.getTime()) / 1000));
    return traces.metrics({
      from: isoSeconds(range.from), to: isoSeconds(range.to, true), kind: kind || undefined,
      ...extra, interval: extra.interval === "whole" ? whole : extra.interval,
    });
  };
  const data = useAsync(async () => ({ series: await fetchMetrics({ group_by: "none" }) }), [key]);
  const tops = useAsync(async () => {
    if (!data.data) return undefined;
    const [overall, byName, byModel, byProvider] = await Promise.all(
      ["none", "name", "model", "provider"].map((g) => fetchMetrics({ group_by: g, interval: "whole" })));
    return { overall, byName, byModel, byProvider };
  }, [key, data.data]);

  const setQuery = (changes: Record<string, string | null>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) if (v === null || v === "") q.delete(k); else q.set(k, v);
    navigate(`/?${q.toString()}`.replace(/\?$/, ""));
  };

  const d = data.data;
  const buckets = d ? toBuckets(d.series) : null;
  // Counts from the chart's buckets; exact percentiles from the whole-range query once it answers.
  const sum: Totals | null = d ? totals(d.series.series.flatMap((s) => s.points)) : null;
  const exact = tops.data ? totals(tops.data.overall.series.flatMap((s) => s.points)) : null;
  const latency = exact ? `${fmtMs(exact.p50)} / ${fmtMs(exact.p95)} / ${fmtMs(exact.p99)}` : tops.error ? "unavailable" : "…";
  const val = (p: MetricPoint | null, f: (x: MetricPoint) => number, zero = true) => (p ? f(p) : zero ? 0 : null);

  const topsEmpty = tops.loading ? "Loading…" : undefined;
  const sortBy = SORTS.find((s) => s.id === sort)!;
  const ranked = (m: Metrics | undefined) =>
    groupTotals(m)
      .map((g) => ({ label: g.group, value: (g.totals[sort] ?? 0) as number, detail: `${fmtInt(g.totals.requests)} requests, ${fmtCost(g.totals.costUsd)}, p95 ${fmtMs(g.totals.p95)}` }))
      .filter((r) => r.label !== "")
      .sort((a, b) => b.value - a.value)
      .slice(0, 8);

  return (
    <div className="page" data-testid="overview-page">
      <div className="page-head">
        <h1>Overview</h1>
        <div className="toolbar">
          <select aria-label="Spans" value={kind} onChange={(e) => setQuery({ kind: e.target.value })}>
            <option value="">All spans</option>
            <option value="llm">LLM calls only</option>
          </select>
          <TimeRangePicker range={range}
            onPreset={(id) => setQuery({ range: id, from: null, to: null })}
            onCustom={(f, t) => setQuery({ range: null, from: f.toISOString(), to: t.toISOString() })} />
        </div>
      </div>
      <ErrorBanner error={data.error} onRetry={data.reload} />
      {data.loading && !d && <p className="muted">Loading metrics…</p>}
      {d && sum && sum.requests === 0 && range.id !== "custom" && <NoDataHint />}
      {d && sum && buckets && (
        <div data-testid="overview-data">
          <div className="stats">
            <Stat label="Requests" value={fmtInt(sum.requests)} />
            <Stat label="Errors" value={fmtInt(sum.errors)} sub={sum.requests ? `${((sum.errors / sum.requests) * 100).toFixed(1)}%` : undefined} />
            <Stat label="Input tokens" value={fmtCompact(sum.inputTokens)} />
            <Stat label="Output tokens" value={fmtCompact(sum.outputTokens)} />
            <Stat label="Cost" value={fmtCost(sum.costUsd)} sub={sum.unpricedSpans > 0 ? <Unpriced totals={sum} query={query} /> : undefined} />
            <Stat label="Latency p50 / p95 / p99" value={latency} />
          </div>
          <div className="charts">
            <LineChart title="Requests and errors" testId="chart-requests" times={buckets.times} format={fmtCompact} series={[
              { label: "requests", color: "#2f5bea", values: buckets.points.map((p) => val(p, (x) => x.requests)) },
              { label: "errors", color: "#d64545", values: buckets.points.map((p) => val(p, (x) => x.errors)) },
            ]} />
            <LineChart title="Tokens" testId="chart-tokens" times={buckets.times} format={fmtCompact} series={[
              { label: "input", color: "#0f9d8a", values: buckets.points.map((p) => val(p, (x) => x.inputTokens)) },
              { label: "output", color: "#9b59d0", values: buckets.points.map((p) => val(p, (x) => x.outputTokens)) },
            ]} />
            <LineChart title="Cost (USD)" testId="chart-cost" times={buckets.times} format={fmtCost} series={[
              { label: "cost", color: "#c7841a", values: buckets.points.map((p) => val(p, (x) => x.costUsd)) },
            ]} />
            <LineChart title="Latency" testId="chart-latency" times={buckets.times} format={fmtMs} series={[
              { label: "p50", color: "#2f5bea", values: buckets.points.map((p) => val(p, (x) => x.latencyP50Ms, false)) },
              { label: "p95", color: "#c7841a", values: buckets.points.map((p) => val(p, (x) => x.latencyP95Ms, false)) },
              { label: "p99", color: "#d64545", values: buckets.points.map((p) => val(p, (x) => x.latencyP99Ms, false)) },
            ]} />
          </div>
          <div className="card">
            <div className="card-head">
              <h3>Top by {sortBy.label}</h3>
              <div className="segmented" role="group" aria-label="Rank by">
                {SORTS.map((s) => (
                  <button key={s.id} className={s.id === sort ? "on" : ""} onClick={() => setSort(s.id)}>{s.label}</button>
                ))}
              </div>
            </div>
            <div className="top-lists">
              <BarList title="Operations" rows={ranked(tops.data?.byName)} format={sortBy.fmt} empty={topsEmpty} />
              <BarList title="Models" rows={ranked(tops.data?.byModel)} format={sortBy.fmt} empty={topsEmpty} />
              <BarList title="Providers" rows={ranked(tops.data?.byProvider)} format={sortBy.fmt} empty={topsEmpty} />
            </div>
            <ErrorBanner error={tops.error} onRetry={tops.reload} />
          </div>
          <ScoreTrends range={range} name={query.get("score") ?? ""} onName={(n) => setQuery({ score: n })} />
        </div>
      )}
    </div>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub?: ReactNode }) {
  return (
    <div className="stat card">
      <div className="muted small-text">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="muted small-text">{sub}</div>}
    </div>
  );
}

/** Spans whose tokens the price table could not price: not in the cost, and one click from the list. */
function Unpriced({ totals: t, query }: { totals: Totals; query: URLSearchParams }) {
  const q = new URLSearchParams({ unpriced: "true" });
  for (const k of ["range", "from", "to"]) if (query.get(k)) q.set(k, query.get(k)!);
  return (
    <span data-testid="unpriced-summary">
      without {fmtInt(t.unpricedSpans)} unpriced {t.unpricedSpans === 1 ? "span" : "spans"} ({fmtCompact(t.unpricedTokens)} tokens):{" "}
      <Link to={`/traces?${q}`}>show</Link>
    </span>
  );
}

/** No data in range: teach with the SDK snippet when the project has never had a trace. */
function NoDataHint() {
  const any = useAsync(() => traces.list({ limit: 1 }), []);
  if (any.error) return <ErrorBanner error={any.error} onRetry={any.reload} />;
  if (!any.data) return null;
  if (any.data.traces.length === 0) return <EmptyTraces />;
  return <p className="notice">No spans in this time range. Pick a longer range to see older traffic.</p>;
}
