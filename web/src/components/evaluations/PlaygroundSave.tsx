// What the playground keeps of a result: the prompt's text as a new FlowOps version (or a new prompt), or an item of
// a dataset whose input is the variables and whose expected output is the completion.
import { useState, type FormEvent } from "react";
import { datasets, prompts } from "../../api/endpoints";
import { Link } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

export function SaveAsVersion({ text, suggested, prompts: names, onSaved }: { text: string; suggested: string; prompts: string[]; onSaved: () => void }) {
  const [name, setName] = useState(suggested);
  const [message, setMessage] = useState("");
  const [saved, setSaved] = useState<{ name: string; version: number } | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("Name the prompt to save the text into.");
    setBusy(true);
    setError("");
    try {
      const made = names.includes(name.trim())
        ? await prompts.addVersion(name.trim(), text, message.trim())
        : { version: (await prompts.create(name.trim(), text, "")).latestVersion };
      setSaved({ name: name.trim(), version: made.version });
      onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form save-form" onSubmit={submit} aria-label="Save as prompt version">
      <h4>Save as new prompt version</h4>
      <div className="inline-form">
        <input name="save-prompt-name" list="playground-prompt-names" value={name} onChange={(e) => setName(e.target.value)} placeholder="prompt name" />
        <datalist id="playground-prompt-names">{names.map((n) => <option key={n} value={n} />)}</datalist>
        <input name="save-prompt-message" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="what changed (optional)" />
        <button type="submit" disabled={busy}>Save version</button>
      </div>
      <ErrorBanner error={error} />
      {saved && (
        <p className="notice ok" data-testid="saved-version">Saved as v{saved.version} of{" "}
          <Link to={`/prompts/${encodeURIComponent(saved.name)}`}>{saved.name}</Link>.</p>
      )}
    </form>
  );
}

/** Input: the variables (the compiled prompt when there are none); expected output: the completion. */
export function SaveAsItem({ variables, prompt, completion }: { variables: Record<string, string>; prompt: string; completion: string }) {
  const list = useAsync(() => datasets.list(), []);
  const [dataset, setDataset] = useState("");
  const [saved, setSaved] = useState<{ dataset: string; id: string; version: number } | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const names = list.data?.datasets.map((d) => d.name) ?? [];
  const chosen = dataset || names[0] || "";
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return setError("Pick the dataset to add the item to.");
    setBusy(true);
    setError("");
    try {
      const input = Object.keys(variables).length > 0 ? variables : prompt;
      const item = await datasets.addItem(chosen, { input, expectedOutput: completion });
      setSaved({ dataset: chosen, id: item.id, version: item.version });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form save-form" onSubmit={submit} aria-label="Save as dataset item">
      <h4>Save as dataset item</h4>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.data && names.length === 0 && <p className="muted small-text"><Link to="/evaluations/datasets">Create a dataset</Link> first.</p>}
      {names.length > 0 && (
        <div className="inline-form">
          <select name="save-dataset" aria-label="Dataset" value={chosen} onChange={(e) => setDataset(e.target.value)}>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
          <button type="submit" disabled={busy}>Save item</button>
        </div>
      )}
      <p className="muted small-text">Input: {Object.keys(variables).length > 0 ? "the variables" : "the prompt"}; expected output: the completion.</p>
      <ErrorBanner error={error} />
      {saved && (
        <p className="notice ok" data-testid="saved-item">Item {saved.id} added to{" "}
          <Link to={`/evaluations/datasets/${encodeURIComponent(saved.dataset)}`}>{saved.dataset}</Link>: now at version {saved.version}.</p>
      )}
    </form>
  );
}
