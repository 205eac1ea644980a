import { useState, type FormEvent } from "react";
import { datasets } from "../../api/endpoints";
import { useSession } from "../../api/session";
import { ErrorBanner } from "../../components/ErrorBanner";
import { fmtInt, fmtRelative, fmtTime } from "../../lib/format";
import { Link, navigate } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const datasetPath = (name: string) => `/evaluations/datasets/${encodeURIComponent(name)}`;

export function DatasetsPage() {
  const { can } = useSession();
  const editable = can("evaluations:write");
  const list = useAsync(() => datasets.list(), []);
  const [creating, setCreating] = useState(false);
  return (
    <div className="page" data-testid="datasets-page">
      <div className="page-head">
        <h1>Datasets <span className="muted small-text">Evaluations</span></h1>
        {editable && !creating && <button className="primary" onClick={() => setCreating(true)}>New dataset</button>}
      </div>
      {creating && <CreateDataset onCancel={() => setCreating(false)} />}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <p className="muted">Loading datasets…</p>}
      {list.data && list.data.datasets.length === 0 && !creating && (
        <div className="empty" data-testid="no-datasets">
          <h2>No datasets yet</h2>
          <p>A dataset holds inputs (and, when you know them, the expected outputs) to run your application over and
            score. Add items by hand, upload JSON Lines or CSV, or add a span of any trace from its page. Every change
            makes a new version, so an experiment records the version it ran on.</p>
        </div>
      )}
      {list.data && list.data.datasets.length > 0 && (
        <div className="card table-card">
          <table data-testid="datasets-table">
            <thead><tr><th>Dataset</th><th className="num">Version</th><th className="num">Items</th><th>Updated</th><th>Created</th></tr></thead>
            <tbody>
              {list.data.datasets.map((d) => (
                <tr key={d.name} data-dataset={d.name}>
                  <td><Link to={datasetPath(d.name)}>{d.name}</Link>
                    {d.description && <div className="muted small-text">{d.description}</div>}</td>
                  <td className="num" data-testid="dataset-version">v{d.version}</td>
                  <td className="num" data-testid="dataset-items">{fmtInt(d.itemCount)}</td>
                  <td title={fmtTime(d.updatedAt)}>{fmtRelative(d.updatedAt)}</td>
                  <td className="muted">{fmtRelative(d.createdAt)} by {d.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CreateDataset({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!NAME_RE.test(name)) return setError("A name starts with a letter or digit and holds only letters, digits, '.', '_' and '-' (128 at most).");
    setBusy(true);
    try {
      const made = await datasets.create(name, description.trim());
      navigate(datasetPath(made.name));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="New dataset">
      <h3>New dataset</h3>
      <label>Name<input name="dataset-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="support-questions" autoFocus /></label>
      <label>Description<input name="dataset-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="optional" /></label>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>Create dataset</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
