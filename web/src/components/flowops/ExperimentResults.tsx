// A running or ended experiment's variants compared: a table of every figure and a bar chart per figure.
import { experiments } from "../../api/endpoints";
import type { Experiment, VariantResult } from "../../api/types";
import { BarList } from "../../charts/BarList";
import { fmtCompact, fmtCost, fmtInt, fmtMs, fmtTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const avg = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
const variantName = (v: VariantResult) => `${v.label} · v${v.version}`;

interface Figure { title: string; value: (v: VariantResult) => number | null; format: (n: number) => string }

const FIGURES: Figure[] = [
  { title: "Traces", value: (v) => v.traces, format: fmtInt },
  { title: "Error rate", value: (v) => (v.traces ? v.errorRate : null), format: pct },
  { title: "Latency p50", value: (v) => (v.traces ? v.latencyP50Ms : null), format: fmtMs },
  { title: "Latency p95", value: (v) => (v.traces ? v.latencyP95Ms : null), format: fmtMs },
  { title: "Tokens", value: (v) => v.totalTokens, format: fmtCompact },
  { title: "Cost", value: (v) => v.costUsd, format: fmtCost },
  { title: "Average cost per trace", value: (v) => (v.traces ? v.avgCostUsd : null), format: fmtCost },
];

export function ExperimentResults({ experiment }: { experiment: Experiment }) {
  const results = useAsync(() => experiments.results(experiment), [experiment.id, experiment.status]);
  const r = results.data;
  const scoreNames = r ? [...new Set(r.variants.flatMap((v) => v.scores.map((s) => s.name)))].sort() : [];
  const scoreOf = (v: VariantResult, name: string) => v.scores.find((s) => s.name === name);
  const figures: Figure[] = [...FIGURES, ...scoreNames.map((name) => ({
    title: `Score ${name} (average)`, value: (v: VariantResult) => scoreOf(v, name)?.average ?? null, format: avg,
  }))];
  return (
    <div className="experiment-results" data-testid="experiment-results">
      <div className="card-head">
        <h4>Results{r && <span className="small-text"> {fmtTime(r.from)} – {fmtTime(r.to)}</span>}</h4>
        <button className="small" onClick={results.reload} disabled={results.loading}>{results.loading ? "Refreshing…" : "Refresh"}</button>
      </div>
      <ErrorBanner error={results.error} onRetry={results.reload} />
      {results.loading && !r && <p className="muted">Loading results…</p>}
      {r?.capped && <p className="notice">More traces than the server reads at once: the figures are of each variant's newest traces.</p>}
      {r && (
        <>
          <div className="table-scroll">
            <table data-testid="results-table">
              <thead>
                <tr><th>Variant</th><th className="num">Weight</th><th className="num">Traces</th><th className="num">Errors</th>
                  <th className="num">p50</th><th className="num">p95</th><th className="num">Tokens in / out</th>
                  <th className="num">Cost</th><th className="num">Avg cost</th>
                  {scoreNames.map((n) => <th key={n} className="num">{n}</th>)}</tr>
              </thead>
              <tbody>
                {r.variants.map((v) => (
                  <tr key={v.label} data-variant={v.label}>
                    <td><b>{v.label}</b> v{v.version}</td>
                    <td className="num">{v.weight}</td>
                    <td className="num" data-metric="traces">{fmtInt(v.traces)}</td>
                    <td className="num" data-metric="errors">{fmtInt(v.errors)}{v.traces ? ` (${pct(v.errorRate)})` : ""}</td>
                    <td className="num" data-metric="p50">{fmtMs(v.traces ? v.latencyP50Ms : null)}</td>
                    <td className="num" data-metric="p95">{fmtMs(v.traces ? v.latencyP95Ms : null)}</td>
                    <td className="num" data-metric="tokens">{fmtCompact(v.inputTokens)} / {fmtCompact(v.outputTokens)}</td>
                    <td className="num" data-metric="cost">{fmtCost(v.costUsd)}</td>
                    <td className="num" data-metric="avg-cost">{v.traces && v.avgCostUsd !== null ? fmtCost(v.avgCostUsd) : "–"}</td>
                    {scoreNames.map((n) => {
                      const s = scoreOf(v, n);
                      return <td key={n} className="num" data-metric={`score-${n}`}>{s ? `${avg(s.average)} (${s.count})` : "–"}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="variant-charts" data-testid="experiment-charts">
            {figures.map((f) => (
              <div key={f.title} data-figure={f.title}>
                <BarList title={f.title} format={f.format} empty="No traces yet."
                  rows={r.variants.filter((v) => f.value(v) !== null).map((v) => ({ label: variantName(v), value: f.value(v)! }))} />
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
