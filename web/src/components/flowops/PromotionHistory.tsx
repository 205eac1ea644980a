// A prompt's promotions and promotion requests as one timeline, newest first.
import type { PromotionRequest, Promotion } from "../../api/types";
import { actorName } from "../../lib/actor";
import { fmtRelative, fmtTime } from "../../lib/format";

type Kind = "promoted" | "rolled back" | "requested" | "approved" | "rejected" | "cancelled";
interface Event { kind: Kind; at: string; env: string; version: number; by: string | null; detail: string; comment: string | null }

function events(promotions: Promotion[], requests: PromotionRequest[]): Event[] {
  const out: Event[] = [];
  for (const p of promotions) {
    out.push({ kind: "promoted", at: p.at, env: p.env, version: p.version, by: p.by,
      detail: p.approvedBy ? `approved by ${actorName(p.approvedBy)}` : "", comment: null });
    if (p.rolledBackAt) out.push({ kind: "rolled back", at: p.rolledBackAt, env: p.env, version: p.version, by: p.rolledBackBy, detail: "", comment: null });
  }
  for (const r of requests) {
    out.push({ kind: "requested", at: r.requestedAt, env: r.env, version: r.version, by: r.requestedBy, detail: `request #${r.id}`, comment: r.comment });
    if (r.status !== "pending" && r.decidedAt) {
      out.push({ kind: r.status, at: r.decidedAt, env: r.env, version: r.version, by: r.decidedBy, detail: `request #${r.id}`, comment: r.decisionComment });
    }
  }
  // Newest first; at the same second a decision shows above the promotion it made.
  const order: Kind[] = ["approved", "rejected", "cancelled", "rolled back", "promoted", "requested"];
  return out.sort((a, b) => b.at.localeCompare(a.at) || order.indexOf(a.kind) - order.indexOf(b.kind));
}

export function PromotionHistory({ promotions, requests }: { promotions: Promotion[]; requests: PromotionRequest[] }) {
  const list = events(promotions, requests);
  return (
    <div className="card">
      <h3>Promotion history</h3>
      {list.length === 0 ? <p className="muted">No version has been promoted yet.</p> : (
        <table data-testid="promotion-history">
          <thead><tr><th>What</th><th>Environment</th><th>Version</th><th>By</th><th>Comment</th><th>When</th></tr></thead>
          <tbody>
            {list.map((e, i) => (
              <tr key={i} data-kind={e.kind}>
                <td><span className={`status-pill ${e.kind.replace(" ", "-")}`}>{e.kind}</span>
                  {e.detail && <span className="muted small-text"> {e.detail}</span>}</td>
                <td>{e.env}</td>
                <td>v{e.version}</td>
                <td>{actorName(e.by)}</td>
                <td>{e.comment || <span className="muted">–</span>}</td>
                <td title={fmtTime(e.at)}>{fmtRelative(e.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
