// A prompt's promotion requests awaiting a decision: approvers approve or reject them with a comment,
// the requester may cancel; nobody decides their own request.
import { useState } from "react";
import { requests } from "../../api/endpoints";
import { useSession } from "../../api/session";
import { type PromotionRequest } from "../../api/types";
import { actorName, userActor } from "../../lib/actor";
import { fmtRelative, fmtTime } from "../../lib/format";
import { ErrorBanner } from "../ErrorBanner";

type Run = (what: () => Promise<string>) => Promise<void>;

export function Approvals({ pending, run }: { pending: PromotionRequest[]; run: Run }) {
  if (pending.length === 0) return null;
  return (
    <div className="card" data-testid="approvals">
      <h3>Awaiting approval</h3>
      {pending.map((r) => <PendingRequest key={r.id} request={r} run={run} />)}
    </div>
  );
}

function PendingRequest({ request: r, run }: { request: PromotionRequest; run: Run }) {
  const { can, session } = useSession();
  const mine = r.requestedBy === userActor(session.user.email);
  const approver = can("prompts:approve") && !mine;
  const [comment, setComment] = useState("");
  const [error, setError] = useState("");
  const reject = () => {
    if (!comment.trim()) return setError("Say why in the comment: a rejection needs one.");
    setError("");
    void run(async () => {
      await requests.reject(r, comment.trim());
      return `Rejected: ${r.env} keeps what it serves.`;
    });
  };
  return (
    <div className="request" data-testid="pending-request" data-request={r.id} data-env={r.env}>
      <div>
        <b>v{r.version} → {r.env}</b> <span className="status-pill pending">awaiting approval</span>
        <span className="muted small-text"> requested by {actorName(r.requestedBy)} <span title={fmtTime(r.requestedAt)}>{fmtRelative(r.requestedAt)}</span></span>
      </div>
      {r.comment && <div className="request-comment">“{r.comment}”</div>}
      {approver && (
        <div className="decide">
          <input name={`decision-comment-${r.id}`} aria-label={`Comment on request ${r.id}`} value={comment}
            onChange={(e) => setComment(e.target.value)} placeholder="comment (required to reject)" />
          <button className="primary small" onClick={() => void run(async () => {
            await requests.approve(r, comment.trim());
            return `Approved: ${r.env} now serves v${r.version}.`;
          })}>Approve</button>
          <button className="danger small" onClick={reject}>Reject</button>
        </div>
      )}
      {mine && (
        <div className="decide">
          <span className="muted small-text">Another member with the right to approve decides your request.</span>
          <button className="small" onClick={() => void run(async () => {
            await requests.cancel(r);
            return `Request cancelled: ${r.env} keeps what it serves.`;
          })}>Cancel request</button>
        </div>
      )}
      {!approver && !mine && <div className="muted small-text">An admin approves or rejects it.</div>}
      <ErrorBanner error={error} />
    </div>
  );
}
