// The form that starts an experiment: one environment's traffic split between versions by weight.
import { useState, type FormEvent } from "react";
import { experiments } from "../../api/endpoints";
import { ENVIRONMENTS, type Environment, type PromptVersion } from "../../api/types";
import { ErrorBanner } from "../ErrorBanner";
import { share } from "./share";

const MAX_VARIANTS = 10;
type Run = (what: () => Promise<string>) => Promise<void>;
interface Row { version: string; weight: string }

export function StartExperiment({ name, versions, run, onCancel }: { name: string; versions: PromptVersion[]; run: Run; onCancel: () => void }) {
  const newest = versions[0]?.version ?? 1;
  const [env, setEnv] = useState<Environment>("production");
  const [title, setTitle] = useState("");
  const [rows, setRows] = useState<Row[]>([
    { version: String(Math.max(1, newest - 1)), weight: "50" },
    { version: String(newest), weight: "50" },
  ]);
  const [error, setError] = useState("");
  const weights = rows.map((r) => Number(r.weight));
  const valid = weights.every((w) => Number.isInteger(w) && w >= 1 && w <= 10000);
  const total = valid ? weights.reduce((a, b) => a + b, 0) : 0;
  const set = (i: number, change: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) return setError("Name the experiment (what it tries).");
    if (!valid) return setError("Each weight is a whole number from 1 to 10000.");
    if (new Set(rows.map((r) => r.version)).size !== rows.length) return setError("Pick a different version for each variant.");
    setError("");
    void run(async () => {
      const started = await experiments.start(name, env, title.trim(), rows.map((r) => ({ version: Number(r.version), weight: Number(r.weight) })));
      onCancel();
      return `Experiment "${started.name}" runs in ${started.env}: ${started.variants.map((v) => `${v.label} v${v.version}`).join(", ")}.`;
    });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Start experiment">
      <h3>Start an experiment</h3>
      <div className="inline-form">
        <label>Environment
          <select name="experiment-env" value={env} onChange={(e) => setEnv(e.target.value as Environment)}>
            {ENVIRONMENTS.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label className="grow">Name<input name="experiment-name" value={title} onChange={(e) => setTitle(e.target.value)} placeholder="shorter answers" /></label>
      </div>
      <table className="variants-form">
        <thead><tr><th>Variant</th><th>Version</th><th>Weight</th><th>Share of traffic</th><th /></tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>{String.fromCharCode(97 + i)}</td>
              <td>
                <select name={`variant-version-${i}`} aria-label={`Version of variant ${String.fromCharCode(97 + i)}`} value={r.version}
                  onChange={(e) => set(i, { version: e.target.value })}>
                  {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
                </select>
              </td>
              <td><input name={`variant-weight-${i}`} type="number" min={1} max={10000} step={1} value={r.weight}
                onChange={(e) => set(i, { weight: e.target.value })} /></td>
              <td data-testid={`variant-share-${i}`}>{valid ? share(weights[i], total) : "–"}</td>
              <td>{rows.length > 2 && <button type="button" className="link" onClick={() => setRows(rows.filter((_, j) => j !== i))}>Remove</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary">Start experiment</button>
        {rows.length < MAX_VARIANTS && rows.length < versions.length && (
          <button type="button" onClick={() => setRows([...rows, { version: String(versions.find((v) => !rows.some((r) => r.version === String(v.version)))?.version ?? newest), weight: "50" }])}>Add a variant</button>
        )}
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
