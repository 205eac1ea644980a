// Turning the metrics API's sparse buckets into chart series and ranked lists.
import type { MetricPoint, Metrics } from "../api/types";

export interface Buckets { times: number[]; points: (MetricPoint | null)[] }

export function toBuckets(m: Metrics, group?: string): Buckets {
  const from = new Date(m.from).getTime();
  const to = new Date(m.to).getTime();
  const step = Math.max(1, m.intervalSeconds) * 1000;
  const series = group === undefined ? m.series[0] : m.series.find((s) => s.group === group);
  const pts = series?.points ?? [];
  const start = pts.length ? Math.min(from, new Date(pts[0].time).getTime()) : from;
  const count = Math.min(10000, Math.max(1, Math.ceil((to - start) / step)));
  const times = Array.from({ length: count }, (_, i) => start + i * step);
  const points: (MetricPoint | null)[] = new Array(count).fill(null);
  for (const p of pts) {
    const i = Math.floor((new Date(p.time).getTime() - start) / step);
    if (i >= 0 && i < count) points[i] = p;
  }
  return { times, points };
}

export interface Totals {
  requests: number; errors: number; inputTokens: number; outputTokens: number; costUsd: number;
  unpricedSpans: number; unpricedTokens: number;  // spans with tokens and no price: their cost is unknown
  p50: number | null; p95: number | null; p99: number | null;
}

/** Sums counts; latency percentiles are request-weighted over buckets (exact when one bucket). */
export function totals(points: MetricPoint[]): Totals {
  const t: Totals = {
    requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedSpans: 0, unpricedTokens: 0,
    p50: null, p95: null, p99: null,
  };
  let w50 = 0, w95 = 0, w99 = 0;
  for (const p of points) {
    t.requests += p.requests;
    t.errors += p.errors;
    t.inputTokens += p.inputTokens;
    t.outputTokens += p.outputTokens;
    t.costUsd += p.costUsd;
    t.unpricedSpans += p.unpricedSpans;
    t.unpricedTokens += p.unpricedTokens;
    w50 += p.latencyP50Ms * p.requests;
    w95 += p.latencyP95Ms * p.requests;
    w99 += p.latencyP99Ms * p.requests;
  }
  if (t.requests > 0) {
    t.p50 = w50 / t.requests;
    t.p95 = w95 / t.requests;
    t.p99 = w99 / t.requests;
  }
  return t;
}

export function groupTotals(m: Metrics | undefined): { group: string; totals: Totals }[] {
  return (m?.series ?? []).map((s) => ({ group: s.group, totals: totals(s.points) }));
}
