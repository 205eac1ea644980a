// Experiment runs of a dataset side by side: their aggregates, then item by item each run's output, scores,
// latency, tokens, cost and error, with the differences marked. Refreshes while a run is still running.
import { useState } from "react";
import { runs as runsApi } from "../../api/endpoints";
import type { DatasetRunResult, DatasetRunWithAggregates, RunComparisonRow, ScoreValue } from "../../api/types";
import { CursorPager } from "../../components/CursorPager";
import { ErrorBanner } from "../../components/ErrorBanner";
import { JsonValue } from "../../components/evaluations/Json";
import { fmtAverage, RunAggregates, runLabel } from "../../components/evaluations/RunAggregates";
import { MAX_COMPARED } from "../../components/evaluations/RunList";
import { bestIndexes, sameJson } from "../../lib/bestOf";
import { fmtCost, fmtInt, fmtMs } from "../../lib/format";
import { Link, useLocation } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { usePolling } from "../../lib/usePolling";
import { datasetPath } from "./DatasetsPage";

const PAGE = 50;

function runIds(text: string | null): number[] | string {
  const ids = (text ?? "").split(",").filter(Boolean).map(Number);
  if (ids.length === 0) return "Pick the runs to compare on the dataset's page.";
  if (ids.some((id) => !Number.isInteger(id) || id < 1)) return `"${text}" is not a list of run ids, e.g. runs=1,2.`;
  if (ids.length > MAX_COMPARED) return `At most ${MAX_COMPARED} runs are compared at once.`;
  return ids;
}

export function ComparePage({ name }: { name: string }) {
  const { query } = useLocation();
  const ids = runIds(query.get("runs"));
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const key = typeof ids === "string" ? "" : ids.join(",");
  const data = useAsync(async () => (typeof ids === "string" ? undefined : runsApi.compare(name, ids, cursor, PAGE)), [name, key, cursor]);
  const d = data.data;
  const running = d?.runs.some((r) => r.status === "running") ?? false;
  usePolling(running, d, data.reload);
  return (
    <div className="page" data-testid="compare-page">
      <div className="crumbs"><Link to={datasetPath(name)}>← {name}</Link></div>
      <div className="page-head">
        <h1>Runs compared <span className="muted small-text">{name}{d ? ` · items of version ${d.version}` : ""}</span></h1>
        {running && <span className="muted small-text" data-testid="compare-live">A run is still running: refreshing every second…</span>}
      </div>
      <ErrorBanner error={typeof ids === "string" ? ids : data.error} onRetry={typeof ids === "string" ? undefined : data.reload} />
      {data.loading && !d && typeof ids !== "string" && <p className="muted">Loading the runs…</p>}
      {d && (
        <>
          <RunAggregates runs={d.runs} />
          <div className="card table-card">
            {d.items.length === 0 && <p className="muted padded">No items at version {d.version}.</p>}
            {d.items.length > 0 && (
              <div className="table-scroll">
                <table data-testid="compare-table" className="compare-table">
                  <thead>
                    <tr><th>Item</th>{d.runs.map((r) => <th key={r.id} data-run={r.id}>{runLabel(r)}</th>)}</tr>
                  </thead>
                  <tbody>
                    {d.items.map((row) => <Row key={row.itemId} row={row} runs={d.runs} />)}
                  </tbody>
                </table>
              </div>
            )}
            <CursorPager cursors={cursors} cursor={cursor} next={d.nextCursor}
              onMove={(c, at) => { setCursors(c); setCursor(at); }} />
          </div>
        </>
      )}
    </div>
  );
}

const fmtScore = (v: ScoreValue) => (typeof v === "number" ? fmtAverage(v) : String(v));

function Row({ row, runs }: { row: RunComparisonRow; runs: DatasetRunWithAggregates[] }) {
  const results = row.results;
  const cheapest = bestIndexes(results.map((r) => r?.costUsd), "min");
  const fastest = bestIndexes(results.map((r) => (r && !r.error ? r.latencyMs : null)), "min");
  const scoreNames = [...new Set(results.flatMap((r) => r?.scores.map((s) => s.name) ?? []))].sort();
  const bestScore = new Map(scoreNames.map((n) => [n, bestIndexes(results.map((r) => {
    const v = r?.scores.find((s) => s.name === n)?.value;
    return typeof v === "number" ? v : null;
  }), "max")]));
  const first = results[0];
  return (
    <tr data-item={row.itemId}>
      <td className="compare-item">
        <div className="small-text muted"><code>{row.itemId}</code></div>
        <div className="small-text muted">Input</div>
        <JsonValue value={row.input} testId="compare-input" />
        <div className="small-text muted">Expected output</div>
        <JsonValue value={row.expectedOutput} testId="compare-expected" />
      </td>
      {results.map((r, i) => (
        <Result key={runs[i].id} run={runs[i]} result={r} cheapest={cheapest.has(i)} fastest={fastest.has(i)}
          bestScores={scoreNames.filter((n) => bestScore.get(n)?.has(i))}
          differs={i > 0 && first !== null && r !== null && !r.error && !first.error && !sameJson(r.output, first.output)}
          firstRun={runs[0]} />
      ))}
    </tr>
  );
}

function Result(props: { run: DatasetRunWithAggregates; result: DatasetRunResult | null; cheapest: boolean; fastest: boolean;
  bestScores: string[]; differs: boolean; firstRun: DatasetRunWithAggregates }) {
  const { run, result: r } = props;
  if (!r) {
    return <td data-run={run.id} className="muted small-text" data-testid="no-result">{run.status === "running" ? "not yet" : "no result"}</td>;
  }
  return (
    <td data-run={run.id} className={r.error ? "result-error" : props.differs ? "result-differs" : undefined}>
      {r.error
        ? <div className="danger-text" data-testid="result-error">{r.error}</div>
        : <JsonValue value={r.output} testId="result-output" />}
      {props.differs && <div className="mark differs" data-testid="differs">differs from {runLabel(props.firstRun)}</div>}
      {r.scores.length > 0 && (
        <ul className="result-scores">
          {r.scores.map((s) => {
            const best = props.bestScores.includes(s.name);
            return (
              <li key={s.id} data-score={s.name} data-best={best || undefined} className={best ? "best" : undefined} title={s.comment ?? undefined}>
                {s.name} <strong>{fmtScore(s.value)}</strong>{best && <span className="mark">best</span>}
              </li>
            );
          })}
        </ul>
      )}
      <div className="result-figures small-text">
        <span data-metric="latency" data-best={props.fastest || undefined} className={props.fastest ? "best" : undefined}>
          {fmtMs(r.latencyMs)}{props.fastest && <span className="mark">fastest</span>}</span>
        <span data-metric="tokens">{r.totalTokens === null ? "– tokens" : `${fmtInt(r.inputTokens ?? 0)} in / ${fmtInt(r.outputTokens ?? 0)} out`}</span>
        <span data-metric="cost" data-best={props.cheapest || undefined} className={props.cheapest ? "best" : undefined}>
          {r.costUsd === null ? "–" : fmtCost(r.costUsd)}{props.cheapest && <span className="mark">cheapest</span>}</span>
        {r.traceId && <Link to={`/traces/${encodeURIComponent(r.traceId)}`}>trace</Link>}
      </div>
    </td>
  );
}
