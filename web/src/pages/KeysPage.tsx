import { useState, type FormEvent } from "react";
import { keys } from "../api/endpoints";
import { useSession } from "../api/session";
import { SCOPES, type ApiKey, type Scope } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { ErrorBanner } from "../components/ErrorBanner";
import { fmtRelative, fmtTime } from "../lib/format";
import { errorText, useAsync } from "../lib/useAsync";

const SCOPE_HELP: Record<Scope, string> = {
  "traces:write": "send traces (the SDK)",
  "traces:read": "read traces and metrics",
  "prompts:read": "fetch prompts (the SDK)",
  "prompts:write": "create, edit and promote prompts",
  "prompts:approve": "approve or reject promotions into protected environments (not its own)",
  "keys:manage": "create and revoke keys",
  "members:manage": "add members, set their roles, create projects",
  "scores:write": "give, edit and delete scores (the SDK's score())",
  "scores:configure": "set the score configurations that validate scores",
  "prices:manage": "set the project's own model prices and recompute stored costs",
  "governai:manage": "set what GovernAI does with personal data found in spans (allow, redact, block) and the transparency report's operator statements",
  "evaluations:read": "read datasets, evaluation experiments, evaluators, rules and model connections (never their keys)",
  "evaluations:write": "change datasets, experiments, evaluators and rules, run the playground and call model connections",
  "connections:manage": "add, change and remove the project's model connections and their provider keys",
  "alerts:read": "read budgets, their status (the SDK's budget_status()) and notification channels with their deliveries",
  "alerts:manage": "add, change and remove budgets and notification channels, and send a channel a test",
};

export function KeysPage() {
  const { can, project } = useSession();
  const list = useAsync(() => keys.list(), []);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [error, setError] = useState("");
  if (!can("keys:manage")) {
    return <div className="page"><h1>API Keys</h1><p className="notice">Only a project admin can manage API keys.</p></div>;
  }
  const revoke = async (k: ApiKey) => {
    if (!window.confirm(`Revoke ${k.prefix}…? Programs using it fail from their next request.`)) return;
    setError("");
    try {
      await keys.revoke(k.id);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="keys-page">
      <div className="page-head"><h1>API Keys <span className="muted small-text">project {project}</span></h1></div>
      <CreateKey onCreated={(k) => { setCreated(k); list.reload(); }} />
      {created?.key && (
        <div className="card secret" data-testid="new-key">
          <strong>Your new key. Copy it now: it is shown only once.</strong>
          <div className="secret-row">
            <code data-testid="new-key-secret">{created.key}</code>
            <CopyButton text={created.key} />
          </div>
          <button className="link" onClick={() => setCreated(null)}>I have stored it</button>
        </div>
      )}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && (
        <div className="card table-card">
          <table data-testid="keys-table">
            <thead><tr><th>Key</th><th>Name</th><th>Scopes</th><th>Created</th><th>Last used</th><th>State</th><th /></tr></thead>
            <tbody>
              {list.data.keys.length === 0 && <tr><td colSpan={7} className="muted">No keys yet. Create one above for the SDK.</td></tr>}
              {list.data.keys.map((k) => (
                <tr key={k.id} data-key-prefix={k.prefix} className={k.revokedAt ? "revoked" : ""}>
                  <td><code>{k.prefix}…</code></td>
                  <td>{k.name || <span className="muted">–</span>}</td>
                  <td>{k.scopes.map((s) => <span key={s} className="tag">{s}</span>)}</td>
                  <td title={fmtTime(k.createdAt)}>{fmtRelative(k.createdAt)}</td>
                  <td title={k.lastUsedAt ? fmtTime(k.lastUsedAt) : ""}>{fmtRelative(k.lastUsedAt)}</td>
                  <td>{k.revokedAt ? <span className="status status-error">revoked {fmtRelative(k.revokedAt)}</span> : <span className="status status-ok">active</span>}</td>
                  <td>{!k.revokedAt && <button className="danger small" onClick={() => void revoke(k)}>Revoke</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CreateKey({ onCreated }: { onCreated: (k: ApiKey) => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(["traces:write", "prompts:read"]));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const toggle = (s: Scope) => {
    const next = new Set(scopes);
    if (next.has(s)) next.delete(s); else next.add(s);
    setScopes(next);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (scopes.size === 0) return setError("Pick at least one scope.");
    setBusy(true);
    setError("");
    try {
      onCreated(await keys.create(name.trim(), [...scopes]));
      setName("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Create API key">
      <h3>Create a key</h3>
      <label>Name<input name="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. checkout-service" /></label>
      <fieldset className="scopes">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s} className="check">
            <input type="checkbox" name={`scope-${s}`} checked={scopes.has(s)} onChange={() => toggle(s)} />
            <code>{s}</code> <span className="muted small-text">{SCOPE_HELP[s]}</span>
          </label>
        ))}
      </fieldset>
      <ErrorBanner error={error} />
      <div className="actions"><button type="submit" className="primary" disabled={busy}>Create key</button></div>
    </form>
  );
}
