import { useState } from "react";
import { governai } from "../../api/endpoints";
import { GOVERNAI_ACTIONS, GOVERNAI_TYPES } from "../../api/types";
import { CursorPager } from "../../components/CursorPager";
import { ErrorBanner } from "../../components/ErrorBanner";
import { fmtTime } from "../../lib/format";
import { Link, navigate, useLocation } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";

const FILTERS = ["type", "policy", "model", "from", "to"] as const;

/** GovernAI's audit log, read-only: filters in the URL, pages by cursor, and a JSON Lines export. */
export function AuditPage() {
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const apiFilters = {
    ...filters,
    from: filters.from ? new Date(filters.from).toISOString() : "",
    to: filters.to ? new Date(filters.to).toISOString() : "",
  };
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [model, setModel] = useState(filters.model);
  const [exportError, setExportError] = useState("");
  const key = query.toString();
  const page = useAsync(() => governai.audit({ ...apiFilters, cursor, limit: 50 }), [key, cursor]);
  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(name, value); else q.delete(name);
    setCursors([]);
    setCursor(undefined);
    navigate(`/governance/audit?${q.toString()}`.replace(/\?$/, ""));
  };
  const download = async () => {
    try {
      const text = await governai.auditExport(apiFilters);
      const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = "stacklens-audit.jsonl";
      a.click();
      URL.revokeObjectURL(url);
      setExportError("");
    } catch (err) {
      setExportError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="audit-page">
      <div className="page-head">
        <h1>Audit log</h1>
        <button onClick={() => void download()} data-testid="audit-export">Export JSON Lines</button>
      </div>
      <p className="muted">One entry for each value a policy redacted or blocked: when, which type, which field, model
        and span; never the value. Entries are hash-chained and signed; nobody can change them through StackLens, and
        <code> stacklens audit verify</code> names any entry changed in the database.</p>
      <div className="card form filters">
        <div className="config-row">
          <label>Type
            <select aria-label="Type" value={filters.type} onChange={(e) => setFilter("type", e.target.value)}>
              <option value="">any</option>
              {GOVERNAI_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label>Policy
            <select aria-label="Policy" value={filters.policy} onChange={(e) => setFilter("policy", e.target.value)}>
              <option value="">any</option>
              {GOVERNAI_ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </label>
          <label>Model
            <input aria-label="Model" value={model} onChange={(e) => setModel(e.target.value)}
              onBlur={() => setFilter("model", model.trim())}
              onKeyDown={(e) => e.key === "Enter" && setFilter("model", model.trim())} />
          </label>
          <label>From<input type="datetime-local" aria-label="From" value={filters.from}
            onChange={(e) => setFilter("from", e.target.value)} /></label>
          <label>To<input type="datetime-local" aria-label="To" value={filters.to}
            onChange={(e) => setFilter("to", e.target.value)} /></label>
        </div>
      </div>
      <ErrorBanner error={page.error || exportError} onRetry={page.error ? page.reload : undefined} />
      {page.data && (
        <div className="card table-card">
          <table data-testid="audit-table">
            <thead>
              <tr><th>#</th><th>Time</th><th>Type</th><th>Policy</th><th>Field</th><th>Model</th><th>Trace</th><th>Hash</th></tr>
            </thead>
            <tbody>
              {page.data.entries.length === 0 && (
                <tr><td colSpan={8} className="muted">No entries match.</td></tr>
              )}
              {page.data.entries.map((e) => (
                <tr key={e.id} data-entry={e.id} data-trace={e.traceId}>
                  <td>{e.id}</td>
                  <td>{fmtTime(e.time)}</td>
                  <td><strong>{e.type}</strong></td>
                  <td><span className={`policy policy-${e.policy}`}>{e.policy}</span></td>
                  <td><code>{e.field}</code></td>
                  <td>{e.model || <span className="muted">–</span>}{e.provider && <div className="muted small-text">{e.provider}</div>}</td>
                  <td>{e.traceId ? <Link to={`/traces/${encodeURIComponent(e.traceId)}`} title={e.traceId}>{e.traceId.slice(0, 16)}</Link> : "–"}</td>
                  <td><code className="small-text" title={e.hash}>{e.hash.slice(0, 12)}…</code></td>
                </tr>
              ))}
            </tbody>
          </table>
          <CursorPager cursors={cursors} cursor={cursor} next={page.data.nextCursor}
            onMove={(c, next) => { setCursors(c); setCursor(next); }} />
        </div>
      )}
    </div>
  );
}
