import { useEffect, useRef, useState } from "react";
import { currentProject, queryString } from "../api/client";
import { traces } from "../api/endpoints";
import type { TracePage, TraceSummary } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { EmptyTraces } from "../components/SdkSnippet";
import { Status, Tags } from "../components/Tags";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { TraceFilterBar } from "../components/TraceFilterBar";
import { fmtCompact, fmtCost, fmtMs, fmtTime } from "../lib/format";
import { Link, navigate, useLocation } from "../lib/router";
import { totals } from "../lib/metrics";
import { isoSeconds, rangeFromQuery } from "../lib/timeRange";
import { apiQuery, filtersFromQuery, filtersToQuery } from "../lib/traceFilters";
import { errorText, useAsync } from "../lib/useAsync";

const LIVE_MS = 3000;

export function TracesPage() {
  const { query } = useLocation();
  const search = query.toString();
  const live = query.get("live") === "1";
  const [cursors, setCursors] = useState<string[]>([]); // cursors of the pages before this one
  const [cursor, setCursor] = useState<string | undefined>();
  useEffect(() => { setCursors([]); setCursor(undefined); }, [search]);

  const page = useAsync(() => traces.list(apiQuery(new URLSearchParams(search), cursor)), [search, cursor]);
  const [rows, setRows] = useState<TraceSummary[]>([]);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [liveError, setLiveError] = useState("");
  useEffect(() => { if (page.data) { setRows(page.data.traces); setFresh(new Set()); } }, [page.data]);

  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  useEffect(() => {
    if (!live || cursor) return;
    const timer = setInterval(async () => {
      try {
        const latest: TracePage = await traces.list(apiQuery(new URLSearchParams(search)));
        const known = new Set(rowsRef.current.map((r) => r.traceId));
        const added = latest.traces.filter((t) => !known.has(t.traceId)).map((t) => t.traceId);
        setRows(latest.traces);
        if (added.length) setFresh(new Set(added));
        setLiveError("");
      } catch (err) {
        setLiveError(`Live updates paused: ${errorText(err)}`);
      }
    }, LIVE_MS);
    return () => clearInterval(timer);
  }, [live, cursor, search]);

  const setQuery = (q: URLSearchParams) => navigate(`/traces${q.toString() ? `?${q}` : ""}`);
  const withChange = (changes: Record<string, string | null>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) if (v === null) q.delete(k); else q.set(k, v);
    setQuery(q);
  };
  const filters = filtersFromQuery(query);
  const range = rangeFromQuery(query);
  const unpriced = query.get("unpriced") === "true";
  // How many spans and tokens of the range the price table could not price (not in the costs).
  const unpricedKey = `${query.get("range")}|${query.get("from")}|${query.get("to")}`;
  const unpricedSum = useAsync(async () => {
    const r = rangeFromQuery(query);
    const whole = Math.max(1, Math.ceil((r.to.getTime() - r.from.getTime()) / 1000));
    const m = await traces.metrics({ from: isoSeconds(r.from), to: isoSeconds(r.to, true), interval: whole, kind: "llm" });
    return totals(m.series.flatMap((s) => s.points));
  }, [unpricedKey]);
  const anyFilter = [unpriced, query.get("session_id"), query.get("user_id"), filters.name, filters.model, filters.provider, filters.status, filters.minCostUsd, filters.minLatencyMs]
    .some(Boolean) || filters.tags.length > 0 || filters.attrs.length > 0;

  return (
    <div className="page" data-testid="traces-page">
      <div className="page-head">
        <h1>Traces</h1>
        <div className="toolbar">
          <label className="toggle">
            <input type="checkbox" data-testid="unpriced-toggle" checked={unpriced}
              onChange={(e) => withChange({ unpriced: e.target.checked ? "true" : null })} />
            Only unpriced
          </label>
          <label className="toggle">
            <input type="checkbox" checked={live} onChange={(e) => withChange({ live: e.target.checked ? "1" : null })} />
            Show new traces as they arrive
          </label>
          <ExportButton search={search} />
          <TimeRangePicker range={range}
            onPreset={(id) => withChange({ range: id, from: null, to: null })}
            onCustom={(f, t) => withChange({ range: null, from: f.toISOString(), to: t.toISOString() })} />
        </div>
      </div>
      <TraceFilterBar value={filters} onApply={(f) => setQuery(filtersToQuery(f, query))} />
      {(["session_id", "user_id"] as const).filter((k) => query.get(k)).map((k) => (
        <p key={k}><span className="filter-chip" data-testid={`${k}-filter`}>
          {k === "session_id" ? "Session" : "User"} {query.get(k)}
          <button type="button" className="link" aria-label="Remove this filter" onClick={() => withChange({ [k]: null })}>✕</button>
        </span></p>
      ))}
      {unpricedSum.data && unpricedSum.data.unpricedSpans > 0 && (
        <p className="muted" data-testid="unpriced-count">
          {fmtCompact(unpricedSum.data.unpricedSpans)} {unpricedSum.data.unpricedSpans === 1 ? "span" : "spans"} with{" "}
          {fmtCompact(unpricedSum.data.unpricedTokens)} tokens in this range have no price for their model: their cost is unknown
          and not in the costs shown.
        </p>
      )}
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {liveError && <ErrorBanner error={liveError} />}
      {page.loading && !page.data && <p className="muted">Loading traces…</p>}
      {page.data && rows.length === 0 && !cursor && (
<NothingMatches anyFilter={anyFilter} />)}
      {rows.length > 0 && (
        <div className="card table-card">
          <table className="traces" data-testid="traces-table">
            <thead>
              <tr>
                <th>Time</th><th>Operation</th><th>Model(s)</th><th>Status</th>
                <th className="num">Tokens</th><th className="num">Cost</th><th className="num">Latency</th><th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.traceId} className={fresh.has(t.traceId) ? "fresh" : ""} data-trace-id={t.traceId}
                  onClick={(e) => { if (!(e.target as HTMLElement).closest("a")) navigate(`/traces/${encodeURIComponent(t.traceId)}`); }}>
                  <td className="nowrap">{fmtTime(t.startTime)}</td>
                  <td><Link to={`/traces/${encodeURIComponent(t.traceId)}`}>{t.name}</Link>
                    {t.spanCount > 1 && <span className="muted small-text"> · {t.spanCount} spans</span>}</td>
                  <td>{t.models.join(", ") || <span className="muted">–</span>}</td>
                  <td><Status status={t.status} /></td>
                  <td className="num" title={`${t.inputTokens} in / ${t.outputTokens} out`}>{fmtCompact(t.totalTokens)}</td>
                  <td className="num">{fmtCost(t.costUsd)}
                    {t.unpricedSpans > 0 && <div className="muted small-text" title="spans whose model has no price: cost unknown">
                      +{t.unpricedSpans} unpriced</div>}</td>
                  <td className="num">{fmtMs(t.latencyMs)}</td>
                  <td><Tags tags={t.tags} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(cursors.length > 0 || page.data?.nextCursor) && (
        <div className="pager">
          <button disabled={cursors.length === 0} onClick={() => {
            const prev = [...cursors];
            const back = prev.pop();
            setCursors(prev);
            setCursor(back === "" ? undefined : back);
          }}>← Newer</button>
          <button disabled={!page.data?.nextCursor} onClick={() => {
            setCursors([...cursors, cursor ?? ""]);
            setCursor(page.data?.nextCursor ?? undefined);
          }}>Older →</button>
        </div>
      )}
    </div>
  );
}

function NothingMatches({ anyFilter }: { anyFilter: boolean }) {
  const any = useAsync(() => traces.list({ limit: 1 }), []);
  if (any.data && any.data.traces.length === 0) return <EmptyTraces />;
  return (
    <p className="notice" data-testid="no-match">
      No traces match {anyFilter ? "these filters in this time range" : "this time range"}.
      {anyFilter ? " Loosen a filter or pick a longer range." : " Pick a longer range."}
    </p>
  );
}

/**
 * Downloads every span of the traces the current filters match (not only this page) as the server streams
 * them: a link the browser saves as a file, showing its own progress. A link sends no header, so the
 * project goes in the query.
 */
function ExportButton({ search }: { search: string }) {
  const [format, setFormat] = useState<"jsonl" | "csv">("jsonl");
  const [withText, setWithText] = useState(false);
  const download = () => {
    const query = {
      ...apiQuery(new URLSearchParams(search)), limit: undefined, cursor: undefined,
      format, include: withText ? "text" : undefined, project: currentProject() || undefined,
    };
    const a = document.createElement("a");
    a.href = `/api/v1/stacktrace/v1/exports/spans${queryString(query)}`;
    a.download = "";
    document.body.appendChild(a);
    a.click();
    a.remove();
  };
  return (
    <span className="toolbar" data-testid="traces-export">
      <select aria-label="Export format" data-testid="export-format" value={format}
        onChange={(e) => setFormat(e.target.value === "csv" ? "csv" : "jsonl")}>
        <option value="jsonl">JSON Lines</option>
        <option value="csv">CSV</option>
      </select>
      <label className="toggle">
        <input type="checkbox" data-testid="export-text" checked={withText} onChange={(e) => setWithText(e.target.checked)} />
        With prompts and completions
      </label>
      <button onClick={download} data-testid="export-button">Export</button>
    </span>
  );
}
