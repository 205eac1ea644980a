import { useState, type FormEvent } from "react";
import { datasets } from "../../api/endpoints";
import type { Dataset } from "../../api/types";
import { Link } from "../../lib/router";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

/** A span's prompt (or input) and completion (or output) made an item of a dataset; the list is read when opened. */
export function AddToDataset({ traceId, spanId }: { traceId: string; spanId: string }) {
  const [list, setList] = useState<Dataset[] | null>(null);
  const [pick, setPick] = useState("");
  const [added, setAdded] = useState<{ dataset: string; id: string; version: number } | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setError("");
    try {
      const found = (await datasets.list()).datasets;
      setList(found);
      setPick(found[0]?.name ?? "");
    } catch (err) {
      setError(errorText(err));
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const item = await datasets.fromSpan(pick, traceId, spanId);
      setAdded({ dataset: pick, id: item.id, version: item.version });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="add-to-dataset" data-testid="add-to-dataset">
      {list === null && <button type="button" className="small" onClick={() => void open()}>Add to dataset…</button>}
      {list !== null && list.length === 0 && (
        <p className="muted small-text">No datasets yet: <Link to="/evaluations/datasets">create one</Link> first.</p>
      )}
      {list !== null && list.length > 0 && (
        <form className="inline-form" onSubmit={submit} aria-label="Add span to dataset">
          <label className="check">Add this span to
            <select name="span-dataset" aria-label="Dataset" value={pick} onChange={(e) => { setPick(e.target.value); setAdded(null); }}>
              {list.map((d) => <option key={d.name} value={d.name}>{d.name}</option>)}
            </select>
          </label>
          <button type="submit" className="small primary" disabled={busy || !pick}>Add to dataset</button>
          <button type="button" className="small" onClick={() => { setList(null); setAdded(null); }}>Close</button>
        </form>
      )}
      {added && (
        <p className="notice ok small-text" role="status" data-testid="added-to-dataset">
          Added as item <code>{added.id}</code> of{" "}
          <Link to={`/evaluations/datasets/${encodeURIComponent(added.dataset)}`}>{added.dataset}</Link> (version {added.version}).
        </p>
      )}
      <ErrorBanner error={error} />
    </div>
  );
}
