import { conversations } from "../api/endpoints";
import { CursorPager } from "../components/CursorPager";
import { ErrorBanner } from "../components/ErrorBanner";
import { SortHeader } from "../components/SortHeader";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { fmtCompact, fmtCost, fmtTime } from "../lib/format";
import { sortedBy, usePeriodList } from "../lib/periodList";
import { Link } from "../lib/router";
import { rangeFromQuery } from "../lib/timeRange";

/** User ids (the user_id of traces) active in the period: their traces, sessions, tokens, cost and errors. */
export function UsersPage() {
  const { query, page, cursors, cursor, go, change, move } = usePeriodList("/users", conversations.users);
  const header = (label: string, column: string, numeric = false) => (
    <SortHeader label={label} column={column} query={query} fallback="last" numeric={numeric}
      onSort={(c) => go(sortedBy(query, c, "last"))} />
  );
  // The user's traces and sessions, over the same period.
  const scoped = (path: string, userId: string) => {
    const q = new URLSearchParams();
    for (const k of ["range", "from", "to"]) { const v = query.get(k); if (v) q.set(k, v); }
    q.set("user_id", userId);
    return `${path}?${q}`;
  };
  const rows = page.data?.users ?? [];
  return (
    <div className="page" data-testid="users-page">
      <div className="page-head">
        <h1>Users</h1>
        <div className="toolbar">
          <TimeRangePicker range={rangeFromQuery(query)}
            onPreset={(id) => change({ range: id, from: null, to: null })}
            onCustom={(f, t) => change({ range: null, from: f.toISOString(), to: t.toISOString() })} />
        </div>
      </div>
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <p className="muted">Loading users…</p>}
      {page.data && rows.length === 0 && !cursor && (
        <p className="notice" data-testid="no-users">
          No user in this time range. Traces name their user by a <code>user_id</code> attribute
          (or OpenTelemetry&apos;s <code>user.id</code>).
        </p>
      )}
      {rows.length > 0 && (
        <div className="card table-card">
          <table className="traces" data-testid="users-table">
            <thead>
              <tr>
                <th>User</th>
                {header("Traces", "traces", true)}{header("Sessions", "sessions", true)}
                {header("Tokens", "tokens", true)}{header("Cost", "cost", true)}{header("Errors", "errors", true)}
                {header("First seen", "first")}{header("Last seen", "last")}
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.userId} data-user-id={u.userId}>
                  <td><Link to={scoped("/traces", u.userId)} title="This user's traces">{u.userId}</Link></td>
                  <td className="num"><Link to={scoped("/traces", u.userId)}>{u.traceCount}</Link></td>
                  <td className="num">{u.sessionCount > 0 ? <Link to={scoped("/sessions", u.userId)}>{u.sessionCount}</Link> : 0}</td>
                  <td className="num">{fmtCompact(u.totalTokens)}</td>
                  <td className="num">{fmtCost(u.costUsd)}</td>
                  <td className="num">{u.errors > 0 ? <span className="status status-error">{u.errors}</span> : 0}</td>
                  <td className="nowrap">{fmtTime(u.firstTime)}</td>
                  <td className="nowrap">{fmtTime(u.lastTime)}</td>
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
