import { useState } from "react";

const COMPACT_CHARS = 60;

/** A JSON value on one line, cut when long; expands into the indented whole. */
export function JsonValue({ value, testId }: { value: unknown; testId?: string }) {
  const [open, setOpen] = useState(false);
  if (value === null || value === undefined) return <span className="muted" data-testid={testId}>–</span>;
  const line = JSON.stringify(value);
  const foldable = line.length > COMPACT_CHARS || (typeof value === "object" && line.length > 2);
  if (open) {
    return (
      <div className="json-open" data-testid={testId}>
        <pre className="json-full">{JSON.stringify(value, null, 2)}</pre>
        <button type="button" className="link small-text" onClick={() => setOpen(false)}>Fold</button>
      </div>
    );
  }
  return (
    <span className="json-compact" data-testid={testId}>
      <code>{line.length > COMPACT_CHARS ? `${line.slice(0, COMPACT_CHARS)}…` : line}</code>
      {foldable && <button type="button" className="link small-text" onClick={() => setOpen(true)}>Expand</button>}
    </span>
  );
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** A JSON editor's text read as JSON: empty is absent (null) unless required; `object` asks for an object. */
export function parseJson(text: string, { required = false, object = false } = {}): Parsed {
  if (!text.trim()) return required ? { ok: false, error: "Required: write a JSON value, e.g. \"a question\" or {\"q\": 1}." } : { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (required && value === null) return { ok: false, error: "Cannot be null." };
  if (object && value !== null && (typeof value !== "object" || Array.isArray(value)))
    return { ok: false, error: "Must be a JSON object, e.g. {\"topic\": \"billing\"}." };
  return { ok: true, value };
}

/** A textarea for one JSON value that says at once whether its text is valid. */
export function JsonField(props: { label: string; name: string; text: string; parsed: Parsed; onChange: (text: string) => void; placeholder?: string }) {
  const { label, name, text, parsed, onChange, placeholder } = props;
  return (
    <label className="grow">{label}
      <textarea name={name} rows={4} value={text} onChange={(e) => onChange(e.target.value)} placeholder={placeholder}
        aria-invalid={!parsed.ok} spellCheck={false} />
      {!parsed.ok && <span className="danger-text small-text" data-testid={`${name}-error`}>{parsed.error}</span>}
    </label>
  );
}

/** A value as it reads in a JSON editor: strings, numbers, objects as JSON text, indented. */
export const jsonText = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value, null, 2));
