// The project's promotion requests awaiting a decision, each linked to its prompt (where it is decided).
import type { AsyncState } from "../../lib/useAsync";
import type { PromotionRequest } from "../../api/types";
import { actorName } from "../../lib/actor";
import { fmtRelative, fmtTime } from "../../lib/format";
import { Link } from "../../lib/router";
import { ErrorBanner } from "../ErrorBanner";

export function PendingCount({ pending }: { pending: AsyncState<{ requests: PromotionRequest[] }> }) {
  const n = pending.data?.requests.length;
  if (!n) return null;
  return <a href="#pending-approvals" className="pending-count" data-testid="pending-count">{n} pending {n === 1 ? "approval" : "approvals"}</a>;
}

export function PendingApprovals({ pending }: { pending: AsyncState<{ requests: PromotionRequest[] }> }) {
  const list = pending.data?.requests ?? [];
  if (!pending.error && list.length === 0) return null;
  return (
    <div className="card table-card" id="pending-approvals" data-testid="pending-approvals">
      <div className="card-head padded"><h3>Pending approvals</h3></div>
      <ErrorBanner error={pending.error} onRetry={pending.reload} />
      {list.length > 0 && (
        <table>
          <thead><tr><th>Prompt</th><th>Promote</th><th>Requested by</th><th>Why</th><th>When</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-request={r.id}>
                <td><Link to={`/prompts/${encodeURIComponent(r.prompt)}`}>{r.prompt}</Link></td>
                <td>v{r.version} → <b>{r.env}</b></td>
                <td>{actorName(r.requestedBy)}</td>
                <td>{r.comment || <span className="muted">–</span>}</td>
                <td title={fmtTime(r.requestedAt)}>{fmtRelative(r.requestedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
