// Which environments are protected (a promotion into them waits for an approval); admins switch it.
import { useState } from "react";
import { environments } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { Environment } from "../../api/types";
import { actorName } from "../../lib/actor";
import { fmtRelative } from "../../lib/format";
import { errorText, useAsync } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

export function EnvironmentProtection() {
  const { can } = useSession();
  const admin = can("members:manage");
  const list = useAsync(() => environments.list(), []);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState<Environment | null>(null);
  const protect = async (env: Environment, on: boolean) => {
    setError("");
    setBusy(env);
    try {
      await environments.protect(env, on);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="card" data-testid="env-protection">
      <h3>Environments</h3>
      <p className="muted small-text">
        A promotion into a protected environment becomes a request that another member with the right to approve
        (an admin) approves or rejects; until then the environment serves what it served.
        {admin ? "" : " Only an admin can change which environments are protected."}
      </p>
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.loading && !list.data && <p className="muted">Loading environments…</p>}
      {list.data && (
        <div className="protections">
          {list.data.environments.map((e) => (
            <div key={e.env} className="protection" data-env={e.env} data-protected={String(e.protected)}>
              <span className="env-name">{e.env}</span>
              <span className={e.protected ? "lock on" : "lock"}>{e.protected ? "protected" : "not protected"}</span>
              {admin && (
                <button className="small" name={`protect-${e.env}`} disabled={busy !== null}
                  onClick={() => void protect(e.env, !e.protected)}>{e.protected ? "Remove protection" : "Protect"}</button>
              )}
              {e.updatedAt && <span className="muted small-text">{fmtRelative(e.updatedAt)} by {actorName(e.updatedBy)}</span>}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
