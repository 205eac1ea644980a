import { useState, type FormEvent } from "react";
import { prompts, requests } from "../api/endpoints";
import { useSession } from "../api/session";
import { ENVIRONMENTS } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { EnvironmentProtection } from "../components/flowops/EnvironmentProtection";
import { PendingApprovals, PendingCount } from "../components/flowops/PendingApprovals";
import { fmtRelative } from "../lib/format";
import { Link, navigate } from "../lib/router";
import { errorText, useAsync } from "../lib/useAsync";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function PromptsPage() {
  const { can } = useSession();
  const list = useAsync(() => prompts.list(), []);
  const pending = useAsync(() => requests.ofProject("pending"), []);
  const [creating, setCreating] = useState(false);
  const editable = can("prompts:write");
  return (
    <div className="page" data-testid="prompts-page">
      <div className="page-head">
        <h1>Prompts <span className="muted small-text">FlowOps</span></h1>
        <PendingCount pending={pending} />
        {editable && !creating && <button className="primary" onClick={() => setCreating(true)}>New prompt</button>}
      </div>
      {!editable && <p className="notice">You are a viewer in this project: you can read prompts but not change them.</p>}
      {creating && <CreatePrompt onCancel={() => setCreating(false)} />}
      <PendingApprovals pending={pending} />
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <p className="muted">Loading prompts…</p>}
      {list.data && list.data.prompts.length === 0 && !creating && (
        <div className="empty">
          <h2>No prompts yet</h2>
          <p>A prompt is a named template with full version history. Promote a version to <code>dev</code>,
            {" "}<code>staging</code> or <code>production</code>, and your code fetches it with
            {" "}<code>stacklens.prompts.get(name, env=...)</code>: no deploy needed.</p>
        </div>
      )}
      {list.data && list.data.prompts.length > 0 && (
        <div className="card table-card">
          <table data-testid="prompts-table">
            <thead>
              <tr><th>Prompt</th><th className="num">Latest</th>{ENVIRONMENTS.map((e) => <th key={e}>{e}</th>)}<th>Created</th></tr>
            </thead>
            <tbody>
              {list.data.prompts.map((p) => (
                <tr key={p.name} onClick={(e) => { if (!(e.target as HTMLElement).closest("a")) navigate(`/prompts/${encodeURIComponent(p.name)}`); }}>
                  <td><Link to={`/prompts/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                    {p.description && <div className="muted small-text">{p.description}</div>}</td>
                  <td className="num">v{p.latestVersion}</td>
                  {ENVIRONMENTS.map((e) => (
                    <td key={e} data-env={e}>{p.environments?.[e] ? <span className="env-badge">v{p.environments[e]!.version}</span> : <span className="muted">–</span>}</td>
                  ))}
                  <td className="muted">{fmtRelative(p.createdAt)}{p.createdBy ? ` by ${p.createdBy}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <EnvironmentProtection />
    </div>
  );
}

function CreatePrompt({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [content, setContent] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!NAME_RE.test(name)) return setError("A name starts with a letter or digit and holds only letters, digits, '.', '_' and '-' (128 at most).");
    if (!content.trim()) return setError("Write the prompt's content: it becomes version 1.");
    setBusy(true);
    try {
      const created = await prompts.create(name, content, description);
      navigate(`/prompts/${encodeURIComponent(created.name ?? name)}`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="New prompt">
      <h3>New prompt</h3>
      <label>Name<input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="support-system-prompt" autoFocus /></label>
      <label>Description<input name="description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="optional" /></label>
      <label>Content (version 1)<textarea name="content" rows={8} value={content} onChange={(e) => setContent(e.target.value)}
        placeholder="You are a helpful support agent for {{product}}…" /></label>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>Create prompt</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
