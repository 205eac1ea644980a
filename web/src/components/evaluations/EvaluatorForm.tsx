import { useState, type FormEvent } from "react";
import { evaluators } from "../../api/endpoints";
import type { Evaluator, EvaluatorIn, EvaluatorTemplate, JudgeOutput } from "../../api/types";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What a judge's score may be, in words. */
export function describeOutput(o: JudgeOutput): string {
  if (o.type === "numeric") return `a number from ${o.min} to ${o.max}`;
  if (o.type === "categorical") return `one of ${(o.categories ?? []).join(", ")}`;
  return "true or false";
}

/** Creates an evaluator (from scratch or a ready template) or changes one. */
export function EvaluatorForm(props: { editing: Evaluator | null; templates: EvaluatorTemplate[]; connections: string[]; onDone: (saved: string) => void }) {
  const { editing, templates, connections } = props;
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [template, setTemplate] = useState(editing?.template ?? "");
  const [connection, setConnection] = useState(editing?.connection ?? connections[0] ?? "");
  const [model, setModel] = useState(editing?.model ?? "");
  const [type, setType] = useState<JudgeOutput["type"]>(editing?.output.type ?? "numeric");
  const [min, setMin] = useState(String(editing?.output.min ?? 1));
  const [max, setMax] = useState(String(editing?.output.max ?? 5));
  const [categories, setCategories] = useState((editing?.output.categories ?? []).join(", "));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const startFrom = (pick: string) => {
    const t = templates.find((x) => x.name === pick);
    if (!t) return;
    if (!name) setName(t.name);
    setDescription(t.description);
    setTemplate(t.template);
    setType(t.output.type);
    if (t.output.min !== undefined) setMin(String(t.output.min));
    if (t.output.max !== undefined) setMax(String(t.output.max));
    setCategories((t.output.categories ?? []).join(", "));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing && !NAME_RE.test(name)) return setError("A name starts with a letter or digit and holds only letters, digits, '.', '_' and '-' (128 at most).");
    if (!template.trim()) return setError("Write the judge's instructions: the template.");
    if (!connection) return setError("Pick the model connection the judge is called through.");
    const output: JudgeOutput = { type };
    if (type === "numeric") {
      output.min = Number(min);
      output.max = Number(max);
      if (!Number.isFinite(output.min) || !Number.isFinite(output.max) || output.max <= output.min)
        return setError("A numeric score needs a minimum and a maximum above it.");
    }
    if (type === "categorical") {
      output.categories = categories.split(",").map((c) => c.trim()).filter(Boolean);
      if (output.categories.length === 0) return setError("Name the categories, separated by commas.");
    }
    const body: EvaluatorIn = { description: description.trim(), template, connection, model: model.trim() || null, output };
    setBusy(true);
    try {
      const saved = editing ? await evaluators.update(editing.name, body) : await evaluators.create({ ...body, name });
      props.onDone(editing ? `Evaluator ${saved.name} saved.` : `Evaluator ${saved.name} created.`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit evaluator" : "New evaluator"}>
      <h3>{editing ? `Edit ${editing.name}` : "New evaluator"}</h3>
      {!editing && templates.length > 0 && (
        <label>Start from a ready template
          <select name="evaluator-template" defaultValue="" onChange={(e) => startFrom(e.target.value)}>
            <option value="" disabled>pick one to copy and edit…</option>
            {templates.map((t) => <option key={t.name} value={t.name}>{t.name}: {t.description}</option>)}
          </select>
        </label>
      )}
      <div className="config-row">
        <label>Name<input name="evaluator-name" value={name} disabled={Boolean(editing)} onChange={(e) => setName(e.target.value)}
          placeholder="e.g. correctness" /></label>
        <label className="grow">Description<input name="evaluator-description" value={description}
          onChange={(e) => setDescription(e.target.value)} placeholder="optional" /></label>
      </div>
      <label>Template: the judge's instructions, with {"{{input}}, {{output}}, {{expected}}, {{context}}, {{attributes.<key>}}"}
        <textarea name="evaluator-prompt" rows={9} value={template} onChange={(e) => setTemplate(e.target.value)} />
      </label>
      <div className="config-row">
        <label>Model connection
          <select name="evaluator-connection" value={connection} onChange={(e) => setConnection(e.target.value)}>
            {connections.length === 0 && <option value="">no connections yet</option>}
            {connections.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>Model<input name="evaluator-model" value={model} onChange={(e) => setModel(e.target.value)}
          placeholder="the connection's default" /></label>
        <label>Score
          <select name="evaluator-output" value={type} onChange={(e) => setType(e.target.value as JudgeOutput["type"])}>
            <option value="numeric">numeric</option>
            <option value="categorical">categorical</option>
            <option value="boolean">boolean</option>
          </select>
        </label>
        {type === "numeric" && (
          <>
            <label>Minimum<input name="evaluator-min" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} /></label>
            <label>Maximum<input name="evaluator-max" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} /></label>
          </>
        )}
        {type === "categorical" && (
          <label className="grow">Categories<input name="evaluator-categories" value={categories}
            onChange={(e) => setCategories(e.target.value)} placeholder="e.g. relevant, partly, irrelevant" /></label>
        )}
      </div>
      <p className="muted small-text">The judge must answer only <code>{'{"score": ..., "reasoning": "..."}'}</code> with a score
        that fits; any other answer is an evaluation error, shown as such, never a score.</p>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{editing ? "Save evaluator" : "Create evaluator"}</button>
        <button type="button" onClick={() => props.onDone("")}>Cancel</button>
      </div>
    </form>
  );
}
