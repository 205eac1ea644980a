import { useState, type FormEvent } from "react";
import { scores as scoresApi } from "../api/endpoints";
import { useSession } from "../api/session";
import type { Score, ScoreConfig, ScoreValue } from "../api/types";
import { fmtRelative } from "../lib/format";
import { errorText } from "../lib/useAsync";

/** What a person types, read as the value's type: a number, true/false, or a category. */
export function parseScoreValue(text: string, config?: ScoreConfig): ScoreValue | null {
  const t = text.trim();
  if (!t) return null;
  if (config?.dataType === "categorical") return t;
  if (t === "true" || t === "false") return t === "true";
  return Number.isFinite(Number(t)) ? Number(t) : t;
}

const shown = (v: ScoreValue) => (typeof v === "number" ? String(Math.round(v * 1000) / 1000) : String(v));

function ValueInput({ name, value, onChange, config }: {
  name: string; value: string; onChange: (v: string) => void; config?: ScoreConfig;
}) {
  if (config?.dataType === "boolean") {
    return (
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} aria-label="Value">
        <option value="">choose</option><option value="true">true</option><option value="false">false</option>
      </select>
    );
  }
  if (config?.dataType === "categorical") {
    return (
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} aria-label="Value">
        <option value="">choose</option>
        {config.categories.map((c) => <option key={c} value={c}>{c}</option>)}
      </select>
    );
  }
  const range = config && (config.min !== null || config.max !== null) ? `${config.min ?? "…"} to ${config.max ?? "…"}` : "";
  return <input name={name} value={value} onChange={(e) => onChange(e.target.value)} aria-label="Value"
    placeholder={range || "0.8, true or a label"} />;
}

function ScoreRow({ score, config, editable, onChanged }: {
  score: Score; config?: ScoreConfig; editable: boolean; onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(shown(score.value));
  const [comment, setComment] = useState(score.comment ?? "");
  const [error, setError] = useState("");
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseScoreValue(value, config);
    if (parsed === null) return setError("A score needs a value.");
    try {
      await scoresApi.update(score.id, { value: parsed, comment: comment.trim() || null });
      setEditing(false);
      setError("");
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the score ${score.name} = ${shown(score.value)}?`)) return;
    try {
      await scoresApi.remove(score.id);
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  if (editing) {
    return (
      <li>
        <form className="score-form" onSubmit={save} aria-label={`Edit score ${score.name}`}>
          <strong>{score.name}</strong>
          <ValueInput name="edit-value" value={value} onChange={setValue} config={config} />
          <input name="edit-comment" value={comment} onChange={(e) => setComment(e.target.value)} placeholder="comment" />
          <button type="submit" className="primary">Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
        {error && <div className="error-banner" role="alert">{error}</div>}
      </li>
    );
  }
  return (
    <li className="score-row" data-testid="score-row">
      <strong>{score.name}</strong> <span className="score-value">{shown(score.value)}</span>
      {score.comment && <span className="muted"> — {score.comment}</span>}
      <span className="muted small-text"> {score.source}{score.author ? ` by ${score.author}` : ""}, {fmtRelative(score.updatedAt)}</span>
      {editable && (
        <span className="row-actions">
          <button type="button" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" onClick={remove}>Delete</button>
        </span>
      )}
      {error && <div className="error-banner" role="alert">{error}</div>}
    </li>
  );
}

/** The scores of a trace or of one of its spans, and (members, admins) a form to add one. */
export function ScorePanel({ traceId, spanId, scores, configs, onChanged }: {
  traceId: string; spanId?: string; scores: Score[]; configs: ScoreConfig[]; onChanged: () => void;
}) {
  const { can } = useSession();
  const editable = can("scores:write");
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState("");
  const config = configs.find((c) => c.name === name.trim());
  const mine = scores.filter((s) => (spanId ? s.spanId === spanId : !s.spanId));
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseScoreValue(value, config);
    if (!name.trim() || parsed === null) return setError("A score needs a name and a value.");
    try {
      await scoresApi.create({ traceId, spanId, name: name.trim(), value: parsed, comment: comment.trim() || undefined });
      setValue("");
      setComment("");
      setError("");
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const listId = `score-names-${spanId ?? "trace"}`;
  return (
    <div className="score-panel" data-testid={spanId ? "span-scores" : "trace-scores"}>
      <h3>{spanId ? "Scores of this span" : "Scores of the trace"}</h3>
      {mine.length === 0 ? <p className="muted">No scores yet.</p> : (
        <ul className="score-list">
          {mine.map((s) => <ScoreRow key={s.id} score={s} editable={editable} onChanged={onChanged}
            config={configs.find((c) => c.name === s.name)} />)}
        </ul>
      )}
      {editable && (
        <form className="score-form" onSubmit={add} aria-label={spanId ? "Score this span" : "Score this trace"}>
          <input name="score-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="name, e.g. accuracy"
            list={listId} aria-label="Score name" />
          <datalist id={listId}>{configs.map((c) => <option key={c.name} value={c.name} />)}</datalist>
          <ValueInput name="score-value" value={value} onChange={setValue} config={config} />
          <input name="score-comment" value={comment} onChange={(e) => setComment(e.target.value)} placeholder="comment (optional)"
            aria-label="Comment" />
          <button type="submit" className="primary">Add score</button>
        </form>
      )}
      {error && <div className="error-banner" role="alert">{error}</div>}
    </div>
  );
}
