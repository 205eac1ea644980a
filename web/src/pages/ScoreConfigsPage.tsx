import { useState, type FormEvent } from "react";
import { scores } from "../api/endpoints";
import { useSession } from "../api/session";
import type { ScoreConfig, ScoreConfigIn } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { splitList } from "../lib/traceFilters";
import { errorText, useAsync } from "../lib/useAsync";

const describe = (c: ScoreConfig) => {
  if (c.dataType === "categorical") return c.categories.join(", ");
  if (c.dataType === "numeric" && (c.min !== null || c.max !== null)) return `${c.min ?? "any"} to ${c.max ?? "any"}`;
  return "";
};

/** Score configurations: what a score of each name must be. Everyone reads them; admins change them. */
export function ScoreConfigsPage() {
  const { can } = useSession();
  const list = useAsync(() => scores.configs(), []);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<ScoreConfig | null>(null);
  const admin = can("scores:configure");
  const remove = async (c: ScoreConfig) => {
    if (!window.confirm(`Delete the configuration of ${c.name}? Its scores stay; new ones are no longer checked.`)) return;
    try {
      await scores.removeConfig(c.name);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="score-configs-page">
      <div className="page-head"><h1>Score configurations</h1></div>
      <p className="muted">A score sent under a configured name must have its type, lie in its range or be one of its
        categories; other names take any value.</p>
      {admin && <ConfigForm key={editing?.name ?? "new"} editing={editing} onSaved={() => {
        setEditing(null);
        list.reload();
      }} />}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && (
        <div className="card table-card">
          <table data-testid="score-configs-table">
            <thead><tr><th>Name</th><th>Type</th><th>Range or categories</th><th>Description</th><th /></tr></thead>
            <tbody>
              {list.data.configs.length === 0 && <tr><td colSpan={5} className="muted">No configurations yet.</td></tr>}
              {list.data.configs.map((c) => (
                <tr key={c.name} data-config={c.name}>
                  <td><strong>{c.name}</strong></td>
                  <td>{c.dataType}</td>
                  <td>{describe(c) || <span className="muted">–</span>}</td>
                  <td>{c.description || <span className="muted">–</span>}</td>
                  <td>{admin && (
                    <span className="actions">
                      <button className="small" onClick={() => setEditing(c)}>Edit</button>
                      <button className="danger small" onClick={() => void remove(c)}>Delete</button>
                    </span>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const blank = { name: "", dataType: "numeric", min: "", max: "", categories: "", description: "" };

/** Creates a configuration, or replaces `editing` (its name stays; scores already given stay as they are). */
function ConfigForm({ editing, onSaved }: { editing: ScoreConfig | null; onSaved: () => void }) {
  const [draft, setDraft] = useState(editing ? {
    name: editing.name, dataType: editing.dataType as string, min: editing.min?.toString() ?? "",
    max: editing.max?.toString() ?? "", categories: editing.categories.join(", "), description: editing.description,
  } : blank);
  const [error, setError] = useState("");
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const config: ScoreConfigIn = { name: draft.name.trim(), dataType: draft.dataType as ScoreConfigIn["dataType"] };
    if (draft.description.trim()) config.description = draft.description.trim();
    if (draft.dataType === "numeric") {
      for (const k of ["min", "max"] as const) {
        if (!draft[k].trim()) continue;
        if (!Number.isFinite(Number(draft[k]))) return setError(`${k} must be a number.`);
        config[k] = Number(draft[k]);
      }
    }
    if (draft.dataType === "categorical") config.categories = splitList(draft.categories, /,/);
    try {
      if (editing) {
        delete config.name;
        await scores.updateConfig(editing.name, config);
      } else {
        await scores.createConfig(config);
      }
      setDraft(blank);
      setError("");
      onSaved();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit score configuration" : "Create score configuration"}>
      <h3>{editing ? `Edit the configuration of ${editing.name}` : "Configure a score"}</h3>
      <div className="config-row">
        <label>Name<input name="config-name" value={draft.name} onChange={set("name")} placeholder="e.g. accuracy"
          disabled={Boolean(editing)} /></label>
        <label>Type
          <select name="config-type" value={draft.dataType} onChange={set("dataType")}>
            <option value="numeric">numeric</option><option value="categorical">categorical</option>
            <option value="boolean">boolean</option>
          </select>
        </label>
        {draft.dataType === "numeric" && (
          <>
            <label>Min<input name="config-min" inputMode="decimal" value={draft.min} onChange={set("min")} /></label>
            <label>Max<input name="config-max" inputMode="decimal" value={draft.max} onChange={set("max")} /></label>
          </>
        )}
        {draft.dataType === "categorical" && (
          <label>Categories<input name="config-categories" value={draft.categories} onChange={set("categories")}
            placeholder="e.g. good, bad" /></label>
        )}
        <label>Description<input name="config-description" value={draft.description} onChange={set("description")} /></label>
      </div>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary">Save configuration</button>
        {editing && <button type="button" onClick={onSaved}>Cancel</button>}
      </div>
    </form>
  );
}
