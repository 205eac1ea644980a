// A rule's history: every span it picked, judged (with the score), failed (with why) or dropped, and the spend;
// read again every few seconds while shown, since rules run in the background.
import { useEffect, useState } from "react";
import { rules } from "../../api/endpoints";
import type { EvalRule } from "../../api/types";
import { fmtCost, fmtInt, fmtRelative, fmtTime } from "../../lib/format";
import { Link } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { usePolling } from "../../lib/usePolling";
import { CursorPager } from "../CursorPager";
import { ErrorBanner } from "../ErrorBanner";

const PAGE = 50;
const traceLink = (id: string) => `/traces/${encodeURIComponent(id)}`;

/** `onRead` gets the rule as read with each page, so the rules table shows the same totals. */
export function RuleHistory({ rule, onRead, onClose }: { rule: EvalRule; onRead: (now: EvalRule) => void; onClose: () => void }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const data = useAsync(async () => {
    const [now, page] = await Promise.all([rules.get(rule.id), rules.runs(rule.id, { limit: PAGE, cursor })]);
    return { rule: now, page };
  }, [rule.id, cursor]);
  usePolling(cursor === undefined, data.data, data.reload, 2000);
  const d = data.data;
  useEffect(() => { if (d) onRead(d.rule); }, [d, onRead]);
  const t = (d?.rule ?? rule).totals;
  return (
    <div className="card table-card" data-testid="rule-history" data-rule={rule.id}>
      <div className="card-head padded">
        <h3>History of {rule.name}</h3>
        <span className="actions">
          {cursor === undefined && <span className="muted small-text">refreshing every 2 s</span>}
          <button className="small" onClick={onClose}>Close</button>
        </span>
      </div>
      <p className="padded summary-line" data-testid="rule-totals">
        <span><b data-testid="totals-runs">{fmtInt(t.runs)}</b> runs</span>
        <span><b data-testid="totals-ok">{fmtInt(t.ok)}</b> scored</span>
        <span><b data-testid="totals-errors">{fmtInt(t.errors)}</b> errors</span>
        <span><b data-testid="totals-dropped">{fmtInt(t.dropped)}</b> dropped</span>
        <span><b data-testid="totals-cost">{fmtCost(t.costUsd)}</b> spent on the judge</span>
      </p>
      <ErrorBanner error={data.error} onRetry={data.reload} />
      {d && d.page.runs.length === 0 && <p className="muted padded" data-testid="no-rule-runs">No spans judged yet. New LLM spans that
        match are judged {rule.delaySeconds ? `${rule.delaySeconds} s after they are stored` : "as soon as they are stored"}.</p>}
      {d && d.page.runs.length > 0 && (
        <table data-testid="rule-runs">
          <thead><tr><th>When</th><th>Result</th><th>Span judged</th><th>Score or error</th><th className="num">Cost</th><th>Judge's call</th></tr></thead>
          <tbody>
            {d.page.runs.map((r) => (
              <tr key={r.id} data-rule-run={r.id} data-status={r.status} data-trace={r.traceId}>
                <td className="muted" title={fmtTime(r.createdAt)}>{fmtRelative(r.createdAt)}</td>
                <td><span className={`status-pill ${r.status}`}>{r.status}</span>{r.spans > 1 && <span className="muted small-text"> {fmtInt(r.spans)} spans</span>}</td>
                <td><Link to={traceLink(r.traceId)}>{r.traceId}</Link> <span className="muted small-text">{r.spanId}</span></td>
                <td>{r.error ? <span className="danger-text" data-testid="rule-run-error">{r.error}</span>
                  : r.scoreId ? <span className="muted small-text" data-testid="rule-run-score">score {r.scoreId}</span> : "–"}</td>
                <td className="num">{fmtCost(r.costUsd)}</td>
                <td>{r.judgeTraceId ? <Link to={traceLink(r.judgeTraceId)}>trace</Link> : <span className="muted">–</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CursorPager cursors={cursors} cursor={cursor} next={d?.page.nextCursor} onMove={(c, at) => { setCursors(c); setCursor(at); }} />
    </div>
  );
}
