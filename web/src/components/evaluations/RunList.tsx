// A dataset's experiment runs, newest first, with their progress and figures; runs ticked are compared.
import { useRef, useState } from "react";
import { runs } from "../../api/endpoints";
import type { DatasetRunWithAggregates } from "../../api/types";
import { fmtCost, fmtInt, fmtMs, fmtRelative, fmtTime } from "../../lib/format";
import { navigate } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { usePolling } from "../../lib/usePolling";
import { ErrorBanner } from "../ErrorBanner";
import { RunFailure, RunProgress, RunStatus, runUsed } from "./RunProgress";

const SHOWN = 50;
export const MAX_COMPARED = 10;

export const comparePath = (dataset: string, ids: number[]) =>
  `/evaluations/datasets/${encodeURIComponent(dataset)}/compare?runs=${ids.join(",")}`;

/** `changed` moves when a run was started here, so the list is read again. */
export function RunList({ dataset, changed }: { dataset: string; changed: number }) {
  // An ended run's figures no longer change: while others run, only those are read again.
  const ended = useRef(new Map<number, DatasetRunWithAggregates>());
  const list = useAsync(async () => {
    const { runs: all } = await runs.list(dataset);
    const shown = await Promise.all(all.slice(0, SHOWN).map((r) => ended.current.get(r.id) ?? runs.get(dataset, r.id)));
    for (const r of shown) if (r.status !== "running") ended.current.set(r.id, r);
    return { shown, total: all.length };
  }, [dataset, changed]);
  const [picked, setPicked] = useState<number[]>([]);
  const running = list.data?.shown.some((r) => r.status === "running") ?? false;
  usePolling(running, list.data, list.reload);
  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-MAX_COMPARED)));
  const d = list.data;
  return (
    <div className="card table-card" data-testid="runs">
      <div className="card-head padded">
        <h3>Experiment runs</h3>
        <span className="actions">
          <span className="muted small-text">{picked.length ? `${picked.length} picked` : `tick up to ${MAX_COMPARED} runs to compare`}</span>
          <button className="primary small" disabled={picked.length === 0}
            onClick={() => navigate(comparePath(dataset, [...picked].sort((a, b) => a - b)))}>Compare</button>
        </span>
      </div>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !d && <p className="muted padded">Loading runs…</p>}
      {d && d.shown.length === 0 && (
        <p className="muted padded" data-testid="no-runs">No runs yet: run a prompt over the dataset here, or an application
          with the SDK's <code>stacklens.run_experiment(...)</code>.</p>
      )}
      {d && d.shown.length > 0 && (
        <table data-testid="runs-table">
          <thead><tr><th /><th>Run</th><th>Status</th><th className="num">Dataset</th><th className="num">Errors</th>
            <th className="num">Avg latency</th><th className="num">Tokens</th><th className="num">Cost</th><th>Started</th></tr></thead>
          <tbody>
            {d.shown.map((r) => (
              <tr key={r.id} data-run={r.id} data-run-name={r.name}>
                <td><input type="checkbox" aria-label={`Compare ${r.name}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)} /></td>
                <td><strong>{r.name}</strong> <span className="muted small-text">#{r.id}</span>
                  {r.description && <div className="muted small-text">{r.description}</div>}
                  {runUsed(r) && <div className="muted small-text" data-testid="run-used">{runUsed(r)}</div>}</td>
                <td className="run-state"><RunStatus run={r} /><RunProgress run={r} /><RunFailure run={r} /></td>
                <td className="num">v{r.datasetVersion}</td>
                <td className="num" data-testid="run-errors">{fmtInt(r.aggregates.errors)}</td>
                <td className="num">{fmtMs(r.aggregates.averageLatencyMs)}</td>
                <td className="num">{fmtInt(r.aggregates.totalTokens)}</td>
                <td className="num" data-testid="run-cost">{fmtCost(r.aggregates.costUsd)}</td>
                <td className="muted" title={fmtTime(r.createdAt)}>{fmtRelative(r.createdAt)} by {r.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d && d.total > SHOWN && <p className="muted small-text padded">The newest {SHOWN} of {d.total} runs.</p>}
    </div>
  );
}
