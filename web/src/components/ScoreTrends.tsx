// The Overview's score chart: one score's average over time, or for a categorical score how
// many of each value.
import { Fragment, useMemo } from "react";
import { scores } from "../api/endpoints";
import { LineChart, type LineSeries } from "../charts/LineChart";
import { fmtCompact } from "../lib/format";
import { isoSeconds, type TimeRange } from "../lib/timeRange";
import { useAsync } from "../lib/useAsync";
import { ErrorBanner } from "./ErrorBanner";

const COLORS = ["#2f5bea", "#0f9d8a", "#c7841a", "#9b59d0", "#d64545", "#6b7a90"];
const fmtScore = (v: number) => (Math.abs(v) >= 1000 ? fmtCompact(v) : String(Math.round(v * 100) / 100));

export function ScoreTrends({ range, name, onName }: { range: TimeRange; name: string; onName: (n: string) => void }) {
  // The names to choose from: the configured ones and those of recent scores.
  const names = useAsync(async () => {
    const [configs, recent] = await Promise.all([scores.configs(), scores.list({ limit: 200 })]);
    return [...new Set([...configs.configs.map((c) => c.name), ...recent.scores.map((s) => s.name)])].sort();
  }, []);
  const chosen = name || names.data?.[0] || "";
  const key = `${chosen}|${range.from.getTime()}|${range.to.getTime()}`;
  const summary = useAsync(async () => (chosen
    ? scores.summary({ name: chosen, from: isoSeconds(range.from), to: isoSeconds(range.to, true) })
    : undefined), [key]);
  const chart = useMemo(() => {
    const s = summary.data;
    if (!s || s.points.length === 0) return null;
    // Every bucket of the range on the time axis, as the other charts have it; a bucket without
    // scores has no average (a gap) and no categories (zero).
    const from = Date.parse(s.from), step = s.intervalSeconds * 1000;
    const n = Math.max(1, Math.ceil((Date.parse(s.to) - from) / step));
    const times = Array.from({ length: n }, (_, i) => from + i * step);
    const at = new Map(s.points.map((p) => [Math.round((Date.parse(p.time) - from) / step), p]));
    const categories = [...new Set(s.points.flatMap((p) => Object.keys(p.categories)))].sort();
    const series: LineSeries[] = categories.length > 0
      ? categories.map((c, i) => ({
        label: c, color: COLORS[i % COLORS.length], values: times.map((_, k) => at.get(k)?.categories[c] ?? 0),
      }))
      : [{ label: "average", color: COLORS[0], values: times.map((_, k) => at.get(k)?.average ?? null) }];
    const count = s.points.reduce((sum, p) => sum + p.count, 0);
    const mean = categories.length > 0 ? null
      : s.points.reduce((sum, p) => sum + (p.average ?? 0) * p.count, 0) / Math.max(1, count);
    const perValue = categories.map((c) => [c, s.points.reduce((sum, p) => sum + (p.categories[c] ?? 0), 0)] as const);
    return { times, series, categorical: categories.length > 0, count, mean, perValue };
  }, [summary.data]);

  return (
    <div className="charts" data-testid="score-trends">
      {chart ? (
        <LineChart title={chart.categorical ? `${chosen}: scores per value` : `${chosen}: average`}
          testId="chart-score" times={chart.times} series={chart.series} format={fmtScore} />
      ) : (
        <div className="card">
          <h3>Scores</h3>
          {names.data && names.data.length === 0 && (
            <p className="muted">No scores yet. Add one on a trace, or send them with <code>stacklens.score(...)</code>.</p>
          )}
          {chosen && summary.data && <p className="muted">No {chosen} scores in this time range.</p>}
        </div>
      )}
      <div className="card">
        <div className="card-head">
          <h3>Score</h3>
          {names.data && names.data.length > 0 && (
            <select name="overview-score" aria-label="Score" value={chosen} onChange={(e) => onName(e.target.value)}>
              {names.data.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          )}
        </div>
        <ErrorBanner error={names.error || summary.error} onRetry={() => { names.reload(); summary.reload(); }} />
        {chart && (
          <dl className="fields" data-testid="score-totals">
            <dt>Scores</dt><dd>{chart.count} in this range</dd>
            {chart.mean !== null && (<><dt>Average</dt><dd>{fmtScore(chart.mean)}</dd></>)}
            {chart.perValue.map(([c, n]) => (<Fragment key={c}><dt>{c}</dt><dd>{n}</dd></Fragment>))}
          </dl>
        )}
      </div>
    </div>
  );
}
