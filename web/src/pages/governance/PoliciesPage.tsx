import { useState } from "react";
import { governai } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { GovernaiAction } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { errorText, useAsync } from "../../lib/useAsync";

const CHOICES: (GovernaiAction | "default")[] = ["default", "allow", "redact", "block"];

/** What GovernAI does with each type of personal data in this project's spans; admins change it. */
export function PoliciesPage() {
  const { can } = useSession();
  const admin = can("governai:manage");
  const list = useAsync(() => governai.policies(), []);
  const [changes, setChanges] = useState<Record<string, GovernaiAction | "default">>({});
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const save = async () => {
    try {
      await governai.setPolicies(changes);
      setChanges({});
      setError("");
      setSaved(true);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="policies-page">
      <div className="page-head"><h1>Policies</h1></div>
      <p className="muted">allow: stored as sent; redact: the value is replaced by the type's placeholder before it is
        sealed and stored; block: the span is refused (its trace shows a marker). A change applies to spans ingested
        after it, on every node within a second.</p>
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && (
        <div className="card table-card">
          <table data-testid="policies-table">
            <thead><tr><th>Type</th><th>Placeholder</th><th>Action</th><th>Default</th></tr></thead>
            <tbody>
              {list.data.policies.map((p) => {
                const chosen = changes[p.type] ?? (p.default ? "default" : p.action);
                return (
                  <tr key={p.type} data-type={p.type}>
                    <td><strong>{p.type}</strong></td>
                    <td><code>{p.placeholder}</code></td>
                    <td>
                      {admin ? (
                        <select aria-label={`Action for ${p.type}`} value={chosen}
                          onChange={(e) => {
                            setSaved(false);
                            setChanges({ ...changes, [p.type]: e.target.value as GovernaiAction | "default" });
                          }}>
                          {CHOICES.map((c) => (
                            <option key={c} value={c}>{c === "default" ? `default (${p.defaultAction})` : c}</option>
                          ))}
                        </select>
                      ) : (
                        <span className={`policy policy-${p.action}`}>{p.action}</span>
                      )}
                    </td>
                    <td className="muted">{p.default ? "yes" : `no (default ${p.defaultAction})`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {admin && (
        <div className="actions">
          <button disabled={Object.keys(changes).length === 0} onClick={() => void save()}>Save policies</button>
          {saved && <span className="muted" data-testid="policies-saved">Saved.</span>}
        </div>
      )}
    </div>
  );
}
