import { useRef, useState, type FormEvent } from "react";
import { datasets } from "../../api/endpoints";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

/** The upload's content type by the file's name (or its type when the name says nothing). */
function contentType(file: File): string | null {
  const name = file.name.toLowerCase();
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "application/x-ndjson";
  if (name.endsWith(".csv")) return "text/csv";
  if (file.type === "text/csv" || file.type === "application/x-ndjson") return file.type;
  return null;
}

/** Uploads a JSON Lines or CSV file as one new version: all its lines or none, a refusal naming the line. */
export function UploadItems({ dataset, onDone }: { dataset: string; onDone: (saved: string) => void }) {
  const picker = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return setError("Pick a .jsonl or .csv file.");
    const type = contentType(file);
    if (!type) return setError(`${file.name} is neither JSON Lines (.jsonl, .ndjson) nor CSV (.csv).`);
    setError("");
    setSent(0);
    try {
      const done = await datasets.upload(dataset, file, type, setSent);
      setFile(null);
      if (picker.current) picker.current.value = "";
      onDone(`Uploaded ${done.uploaded} item${done.uploaded === 1 ? "" : "s"} from ${file.name}: the dataset is now at `
        + `version ${done.dataset.version} with ${done.dataset.itemCount} items.`);
    } catch (err) {
      setError(`${file.name} was refused, nothing was written: ${errorText(err)}`);
    } finally {
      setSent(null);
    }
  };
  const percent = sent === null ? 0 : Math.round(sent * 100);
  return (
    <form className="card form" onSubmit={submit} aria-label="Upload items">
      <h3>Upload items</h3>
      <p className="muted small-text">JSON Lines: one object a line, e.g. <code>{'{"input": {"q": "..."}, "expectedOutput": "...", "metadata": {}}'}</code>.
        {" "}CSV: a header row naming <code>input</code> and optionally <code>expected_output</code>, <code>metadata</code> and
        {" "}<code>id</code>; other columns go into metadata; a cell that is JSON is read as JSON. An item whose id the
        dataset holds is replaced. All lines are written, or none.</p>
      <div className="inline-form">
        <input ref={picker} type="file" name="upload-file" accept=".jsonl,.ndjson,.csv,text/csv,application/x-ndjson"
          onChange={(e) => { setFile(e.target.files?.[0] ?? null); setError(""); }} />
        <button type="submit" className="primary" disabled={!file || sent !== null}>Upload</button>
      </div>
      {sent !== null && (
        <div data-testid="upload-progress">
          <div className="progress" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
            <div className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <span className="muted small-text">{percent < 100 ? `Sending ${file?.name}: ${percent}%` : "Sent: the server is checking every line…"}</span>
        </div>
      )}
      <div data-testid="upload-error"><ErrorBanner error={error} /></div>
    </form>
  );
}
