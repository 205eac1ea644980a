import type { DatasetRunWithAggregates } from "../../api/types";
import { fmtInt } from "../../lib/format";

/** A run's items done of its items, as a bar: moving while it runs, green or red once it ended. */
export function RunProgress({ run }: { run: DatasetRunWithAggregates }) {
  const done = run.aggregates.itemsDone;
  const percent = run.itemCount > 0 ? Math.min(100, Math.round((done / run.itemCount) * 100)) : 100;
  const fill = run.status === "finished" ? " done" : run.status === "failed" ? " failed" : "";
  return (
    <div className="run-progress" data-testid="run-progress" data-status={run.status}>
      <div className="progress" role="progressbar" aria-label={`Progress of ${run.name}`} aria-valuemin={0}
        aria-valuemax={run.itemCount} aria-valuenow={done}>
        <div className={`progress-fill${fill}`} style={{ width: `${percent}%` }} />
      </div>
      <span className="small-text" data-testid="run-items-done">{fmtInt(done)} of {fmtInt(run.itemCount)} items</span>
    </div>
  );
}

export function RunStatus({ run }: { run: DatasetRunWithAggregates }) {
  return <span className={`status-pill ${run.status}`} data-testid="run-status">{run.status}</span>;
}

/** What a run ran, from its metadata: a prompt run's prompt version, connection and model (an SDK run's model, if it said). */
export function runUsed(run: DatasetRunWithAggregates): string {
  const m = run.metadata ?? {};
  const text = (key: string) => (typeof m[key] === "string" || typeof m[key] === "number" ? String(m[key]) : "");
  const prompt = text("prompt") && `${text("prompt")}${text("promptVersion") ? ` v${text("promptVersion")}` : ""}`;
  return [prompt, text("connection"), text("model")].filter(Boolean).join(" · ");
}

/** Why a run ended as failed, when the server or the client said so in its summary. */
export function RunFailure({ run }: { run: DatasetRunWithAggregates }) {
  const why = run.status === "failed" ? run.summary?.error : undefined;
  return typeof why === "string" ? <div className="danger-text small-text" data-testid="run-failure">{why}</div> : null;
}
