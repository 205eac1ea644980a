import { conversations } from "../api/endpoints";
import { CursorPager } from "../components/CursorPager";
import { ErrorBanner } from "../components/ErrorBanner";
import { SortHeader } from "../components/SortHeader";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { fmtCompact, fmtCost, fmtTime } from "../lib/format";
import { sortedBy, usePeriodList } from "../lib/periodList";
import { Link, navigate } from "../lib/router";
import { rangeFromQuery } from "../lib/timeRange";

/** Sessions (the session_id of traces) active in the period, with what their traces add up to. */
export function SessionsPage() {
  const { query, page, cursors, cursor, go, change, move } = usePeriodList("/sessions", conversations.sessions);
  const user = query.get("user_id");
  const header = (label: string, column: string, numeric = false) => (
    <SortHeader label={label} column={column} query={query} fallback="last" numeric={numeric}
      onSort={(c) => go(sortedBy(query, c, "last"))} />
  );
  const rows = page.data?.sessions ?? [];
  return (
    <div className="page" data-testid="sessions-page">
      <div className="page-head">
        <h1>Sessions</h1>
        <div className="toolbar">
          <TimeRangePicker range={rangeFromQuery(query)}
            onPreset={(id) => change({ range: id, from: null, to: null })}
            onCustom={(f, t) => change({ range: null, from: f.toISOString(), to: t.toISOString() })} />
        </div>
      </div>
      {user && (
        <p><span className="filter-chip" data-testid="user-filter">User {user}
          <button type="button" className="link" aria-label="Show every user" onClick={() => change({ user_id: null })}>✕</button>
        </span></p>
      )}
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <p className="muted">Loading sessions…</p>}
      {page.data && rows.length === 0 && !cursor && (
        <p className="notice" data-testid="no-sessions">
          No session in this time range. Traces join a session by a <code>session_id</code> attribute
          (or OpenTelemetry&apos;s <code>session.id</code> / <code>gen_ai.conversation.id</code>).
        </p>
      )}
      {rows.length > 0 && (
        <div className="card table-card">
          <table className="traces" data-testid="sessions-table">
            <thead>
              <tr>
                <th>Session</th><th>User</th>
                {header("Traces", "traces", true)}{header("First", "first")}{header("Last", "last")}
                {header("Tokens", "tokens", true)}{header("Cost", "cost", true)}{header("Errors", "errors", true)}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.sessionId} data-session-id={s.sessionId}
                  onClick={(e) => { if (!(e.target as HTMLElement).closest("a")) navigate(`/sessions/${encodeURIComponent(s.sessionId)}`); }}>
                  <td><Link to={`/sessions/${encodeURIComponent(s.sessionId)}`}>{s.sessionId}</Link></td>
                  <td>{s.userId ?? <span className="muted">–</span>}</td>
                  <td className="num">{s.traceCount}</td>
                  <td className="nowrap">{fmtTime(s.firstTime)}</td>
                  <td className="nowrap">{fmtTime(s.lastTime)}</td>
                  <td className="num">{fmtCompact(s.totalTokens)}</td>
                  <td className="num">{fmtCost(s.costUsd)}</td>
                  <td className="num">{s.errors > 0 ? <span className="status status-error">{s.errors}</span> : 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager cursors={cursors} cursor={cursor} next={page.data?.nextCursor}
        onMove={move} />
    </div>
  );
}
