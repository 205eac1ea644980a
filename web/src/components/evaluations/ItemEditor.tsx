import { useState, type FormEvent } from "react";
import { datasets } from "../../api/endpoints";
import type { DatasetItem, DatasetItemIn } from "../../api/types";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";
import { JsonField, jsonText, parseJson } from "./Json";

/** Adds an item to a dataset, or changes one: each save is a new version of the dataset. */
export function ItemEditor({ dataset, editing, onDone }: { dataset: string; editing: DatasetItem | null; onDone: (saved: string) => void }) {
  const [id, setId] = useState("");
  const [input, setInput] = useState(jsonText(editing?.input));
  const [expected, setExpected] = useState(jsonText(editing?.expectedOutput));
  const [metadata, setMetadata] = useState(jsonText(editing?.metadata));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const parsed = {
    input: parseJson(input, { required: true }),
    expected: parseJson(expected),
    metadata: parseJson(metadata, { object: true }),
  };
  const valid = parsed.input.ok && parsed.expected.ok && parsed.metadata.ok;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!parsed.input.ok || !parsed.expected.ok || !parsed.metadata.ok) return;
    const item: DatasetItemIn = {
      input: parsed.input.value,
      expectedOutput: parsed.expected.value,
      metadata: parsed.metadata.value as Record<string, unknown> | null,
    };
    if (!editing && id.trim()) item.id = id.trim();
    setBusy(true);
    try {
      const saved = editing ? await datasets.updateItem(dataset, editing.id, item) : await datasets.addItem(dataset, item);
      onDone(editing ? `Item ${saved.id} changed: the dataset is now at version ${saved.version}.`
        : `Item ${saved.id} added: the dataset is now at version ${saved.version}.`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit item" : "Add item"}>
      <h3>{editing ? <>Edit item <code>{editing.id}</code></> : "Add an item"}</h3>
      {!editing && (
        <label>Id<input name="item-id" value={id} onChange={(e) => setId(e.target.value)} placeholder="optional: a UUID is made" /></label>
      )}
      <div className="config-row">
        <JsonField label="Input (JSON)" name="item-input" text={input} parsed={parsed.input} onChange={setInput}
          placeholder={'{"question": "How do I reset my password?"}'} />
        <JsonField label="Expected output (JSON, optional)" name="item-expected" text={expected} parsed={parsed.expected}
          onChange={setExpected} placeholder={'"Open Settings, then Security."'} />
        <JsonField label="Metadata (JSON object, optional)" name="item-metadata" text={metadata} parsed={parsed.metadata}
          onChange={setMetadata} placeholder={'{"topic": "account"}'} />
      </div>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !valid}>{editing ? "Save item" : "Add item"}</button>
        <button type="button" onClick={() => onDone("")}>Cancel</button>
      </div>
    </form>
  );
}
