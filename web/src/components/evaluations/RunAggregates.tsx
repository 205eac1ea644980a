// What each compared run adds up to: a table (the best figure of each column marked) and a bar chart per figure.
import type { DatasetRunWithAggregates } from "../../api/types";
import { BarList } from "../../charts/BarList";
import { bestIndexes } from "../../lib/bestOf";
import { fmtCompact, fmtCost, fmtInt, fmtMs } from "../../lib/format";
import { RunFailure, RunProgress, RunStatus, runUsed } from "./RunProgress";

export const fmtAverage = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
export const runLabel = (r: DatasetRunWithAggregates) => `${r.name} #${r.id}`;

interface Figure { key: string; title: string; value: (r: DatasetRunWithAggregates) => number | null; format: (n: number) => string; want: "max" | "min" }

function figures(runs: DatasetRunWithAggregates[]): { plain: Figure[]; scores: Figure[] } {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.aggregates.scores)))].sort();
  const plain: Figure[] = [
    { key: "items", title: "Items done", value: (r) => r.aggregates.itemsDone, format: fmtInt, want: "max" },
    { key: "errors", title: "Errors", value: (r) => r.aggregates.errors, format: fmtInt, want: "min" },
    { key: "latency", title: "Average latency", value: (r) => r.aggregates.averageLatencyMs, format: fmtMs, want: "min" },
    { key: "tokens", title: "Tokens", value: (r) => r.aggregates.totalTokens, format: fmtCompact, want: "min" },
    { key: "cost", title: "Cost", value: (r) => r.aggregates.costUsd, format: fmtCost, want: "min" },
  ];
  const scores = names.map((n): Figure => ({
    key: `score-${n}`, title: `Score ${n} (average)`, value: (r) => r.aggregates.scores[n]?.average ?? null, format: fmtAverage, want: "max",
  }));
  return { plain, scores };
}

export function RunAggregates({ runs }: { runs: DatasetRunWithAggregates[] }) {
  const { plain, scores } = figures(runs);
  const all = [...plain, ...scores];
  const best = new Map(all.map((f) => [f.key, bestIndexes(runs.map(f.value), f.want)]));
  const cell = (f: Figure, r: DatasetRunWithAggregates, i: number) => {
    const v = f.value(r);
    const marked = best.get(f.key)?.has(i) ?? false;
    const count = f.key.startsWith("score-") ? r.aggregates.scores[f.key.slice(6)]?.count : undefined;
    return (
      <td key={f.key} className={`num${marked ? " best" : ""}`} data-metric={f.key} data-best={marked || undefined}>
        {v === null ? "–" : f.format(v)}{count !== undefined && <span className="muted small-text"> ({count})</span>}
        {f.key === "tokens" && <div className="muted small-text">{fmtCompact(r.aggregates.inputTokens)} in / {fmtCompact(r.aggregates.outputTokens)} out</div>}
      </td>
    );
  };
  return (
    <div className="card" data-testid="compare-runs">
      <div className="table-scroll">
        <table>
          <thead>
            <tr><th>Run</th><th>Progress</th>{all.map((f) => <th key={f.key} className="num">{f.title.replace(/^Score (.*) \(average\)$/, "$1")}</th>)}</tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.id} data-run={r.id}>
                <td><strong>{r.name}</strong> <span className="muted small-text">#{r.id} · v{r.datasetVersion}</span>
                  {r.description && <div className="muted small-text">{r.description}</div>}
                  {runUsed(r) && <div className="muted small-text" data-testid="run-used">{runUsed(r)}</div>}</td>
                <td className="run-state"><RunStatus run={r} /><RunProgress run={r} /><RunFailure run={r} /></td>
                {all.map((f) => cell(f, r, i))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small-text">Marked: the best run for each figure (fewest errors, fastest, fewest tokens, cheapest,
        highest average score).</p>
      <div className="variant-charts" data-testid="compare-charts">
        {all.map((f) => (
          <div key={f.key} data-figure={f.title}>
            <BarList title={f.title} format={f.format} empty="No results yet."
              rows={runs.filter((r) => f.value(r) !== null).map((r) => ({ label: runLabel(r), value: f.value(r)! }))} />
          </div>
        ))}
      </div>
    </div>
  );
}
