// The Overview's score chart: one score's average over time, or for a categorical score how
// many of each value.
import { useMemo } from "react";
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
    const times = s.points.map((p) => Date.parse(p.time));
    const categories = [...new Set(s.points.flatMap((p) => Object.keys(p.categories)))].sort();
    const series: LineSeries[] = categories.length > 0
      ? categories.map((c, i) => ({ label: c, color: COLORS[i % COLORS.length], values: s.points.map((p) => p.categories[c] ?? 0) }))
      : [{ label: "average", color: COLORS[0], values: s.points.map((p) => p.average) }];
    return { times, series, categorical: categories.length > 0, count: s.points.reduce((n, p) => n + p.count, 0) };
  }, [summary.data]);

  return (
    <div className="card" data-testid="score-trends">
      <div className="card-head">
        <h3>Scores</h3>
        {names.data && names.data.length > 0 && (
          <label className="inline">Score{" "}
            <select name="overview-score" value={chosen} onChange={(e) => onName(e.target.value)}>
              {names.data.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
        )}
      </div>
      <ErrorBanner error={names.error || summary.error} onRetry={() => { names.reload(); summary.reload(); }} />
      {names.data && names.data.length === 0 && (
        <p className="muted">No scores yet. Add one on a trace, or send them with <code>stacklens.score(...)</code>.</p>
      )}
      {chosen && summary.data && !chart && <p className="muted">No {chosen} scores in this time range.</p>}
      {chart && (
        <>
          <LineChart title={chart.categorical ? `${chosen}: scores per value` : `${chosen}: average`}
            testId="chart-score" times={chart.times} series={chart.series} format={fmtScore} />
          <p className="muted small-text">{chart.count} scores in this range.</p>
        </>
      )}
    </div>
  );
}
