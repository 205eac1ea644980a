import { useState } from "react";
import { datasets } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { Dataset, DatasetItem } from "../../api/types";
import { CursorPager } from "../../components/CursorPager";
import { ErrorBanner } from "../../components/ErrorBanner";
import { ItemEditor } from "../../components/evaluations/ItemEditor";
import { JsonValue } from "../../components/evaluations/Json";
import { PromptRunForm } from "../../components/evaluations/PromptRunForm";
import { RunList } from "../../components/evaluations/RunList";
import { UploadItems } from "../../components/evaluations/UploadItems";
import { fmtInt, fmtRelative, fmtTime } from "../../lib/format";
import { Link, navigate, useLocation } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";
import { datasetPath } from "./DatasetsPage";

const PAGE = 50;

/** A dataset's items at its current version or, picked in the URL (?version=N), as they were at version N. */
export function DatasetPage({ name }: { name: string }) {
  const { can } = useSession();
  const { query } = useLocation();
  const asked = query.get("version");
  const dataset = useAsync(() => datasets.get(name), [name]);
  const [notice, setNotice] = useState("");
  const [actionError, setActionError] = useState("");
  const [editing, setEditing] = useState<DatasetItem | "new" | "upload" | "run" | null>(null);
  const [runsChanged, setRunsChanged] = useState(0);
  const d = dataset.data;
  const version = asked !== null ? Number(asked) : d?.version;
  const current = d !== undefined && version === d.version;
  const editable = can("evaluations:write") && current;
  const changed = (what: string) => {
    setEditing(null);
    if (!what) return;
    setNotice(what);
    setActionError("");
    if (asked !== null) navigate(datasetPath(name));
    dataset.reload();
  };
  const remove = async (item: DatasetItem) => {
    if (!window.confirm(`Remove item ${item.id}? Older versions of the dataset keep it.`)) return;
    try {
      const r = await datasets.removeItem(name, item.id);
      changed(`Item ${item.id} removed: the dataset is now at version ${r.version}.`);
    } catch (err) {
      setActionError(errorText(err));
    }
  };
  const removeDataset = async () => {
    if (!window.confirm(`Delete the dataset ${name} with every version of its items?`)) return;
    try {
      await datasets.remove(name);
      navigate("/evaluations/datasets");
    } catch (err) {
      setActionError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="dataset-page">
      <div className="crumbs"><Link to="/evaluations/datasets">← Datasets</Link></div>
      <div className="page-head">
        <h1>{name}</h1>
        {d && <span className="muted" data-testid="dataset-summary">version {d.version} · {fmtInt(d.itemCount)} items · updated {fmtRelative(d.updatedAt)}</span>}
      </div>
      {d?.description && <p className="muted">{d.description}</p>}
      <ErrorBanner error={dataset.error} onRetry={dataset.reload} />
      <ErrorBanner error={actionError} />
      {notice && <div className="notice ok" role="status" data-testid="notice">{notice}</div>}
      {d && (
        <>
          <div className="toolbar">
            <VersionPicker dataset={d} version={version ?? d.version} />
            {editable && editing === null && (
              <>
                <button onClick={() => { setNotice(""); setEditing("new"); }}>Add item</button>
                <button onClick={() => { setNotice(""); setEditing("upload"); }}>Upload JSON Lines or CSV</button>
                <button onClick={() => { setNotice(""); setEditing("run"); }}>Run a prompt over this dataset</button>
              </>
            )}
            {!current && <span className="notice" data-testid="old-version">Items as they were at version {version}: read-only.</span>}
            {can("evaluations:write") && <button className="danger push-right" onClick={() => void removeDataset()}>Delete dataset</button>}
          </div>
          {editable && editing === "new" && <ItemEditor dataset={name} editing={null} onDone={changed} />}
          {editable && editing === "upload" && <UploadItems dataset={name} onDone={changed} />}
          {editable && editing === "run" && (
            <PromptRunForm dataset={name} onDone={(run) => {
              setEditing(null);
              if (!run) return;
              setNotice(`Run ${run.name} started over the ${run.itemCount} items of version ${run.datasetVersion}.`);
              setRunsChanged((n) => n + 1);
            }} />
          )}
          {editable && editing !== null && typeof editing === "object" &&
            <ItemEditor key={editing.id} dataset={name} editing={editing} onDone={changed} />}
          <RunList dataset={name} changed={runsChanged} />
          {version !== undefined && (
            <Items key={`${d.version}:${version}`} dataset={d} version={version} editable={editable}
              onEdit={(item) => { setNotice(""); setEditing(item); }} onRemove={(item) => void remove(item)} />
          )}
        </>
      )}
    </div>
  );
}

function VersionPicker({ dataset, version }: { dataset: Dataset; version: number }) {
  if (dataset.version === 0) return <span className="muted">No items written yet (version 0).</span>;
  const versions = Array.from({ length: dataset.version }, (_, i) => dataset.version - i);
  return (
    <label className="check">Version
      <select name="dataset-version" aria-label="Dataset version" value={version}
        onChange={(e) => navigate(Number(e.target.value) === dataset.version ? datasetPath(dataset.name)
          : `${datasetPath(dataset.name)}?version=${e.target.value}`)}>
        {versions.map((v) => <option key={v} value={v}>v{v}{v === dataset.version ? " (current)" : ""}</option>)}
      </select>
    </label>
  );
}

function Items(props: { dataset: Dataset; version: number; editable: boolean; onEdit: (i: DatasetItem) => void; onRemove: (i: DatasetItem) => void }) {
  const { dataset, version, editable } = props;
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useAsync(() => datasets.items(dataset.name, { version, limit: PAGE, cursor }), [dataset.name, version, cursor]);
  const p = page.data;
  return (
    <div className="card table-card">
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !p && <p className="muted padded">Loading items…</p>}
      {p && p.items.length === 0 && <p className="muted padded" data-testid="no-items">No items at version {version}.</p>}
      {p && p.items.length > 0 && (
        <table data-testid="items-table" data-version={p.version}>
          <thead><tr><th>Id</th><th>Input</th><th>Expected output</th><th>Metadata</th><th>Source</th><th>Version</th><th /></tr></thead>
          <tbody>
            {p.items.map((item) => (
              <tr key={item.id} data-item={item.id}>
                <td className="small-text" title={item.id}><code>{item.id.length > 14 ? `${item.id.slice(0, 8)}…` : item.id}</code></td>
                <td><JsonValue value={item.input} testId="item-input" /></td>
                <td><JsonValue value={item.expectedOutput} testId="item-expected" /></td>
                <td><JsonValue value={item.metadata} testId="item-metadata" /></td>
                <td className="small-text">{item.sourceTraceId
                  ? <Link to={`/traces/${encodeURIComponent(item.sourceTraceId)}`}>trace</Link>
                  : <span className="muted">–</span>}</td>
                <td className="muted small-text" title={fmtTime(item.createdAt)}>v{item.version}</td>
                <td>{editable && (
                  <span className="actions">
                    <button className="small" onClick={() => props.onEdit(item)}>Edit</button>
                    <button className="danger small" onClick={() => props.onRemove(item)}>Delete</button>
                  </span>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CursorPager cursors={cursors} cursor={cursor} next={p?.nextCursor}
        onMove={(c, at) => { setCursors(c); setCursor(at); }} />
    </div>
  );
}
