import { useState, type FormEvent } from "react";
import { rules } from "../../api/endpoints";
import type { EvalRule, EvalRuleIn } from "../../api/types";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

/** "key=value" pairs, one a line or separated by commas, as an object; an error names the first bad pair. */
function readAttributes(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const part of text.split(/[\n,]/).map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf("=");
    if (at <= 0) return `"${part}" is not key=value.`;
    out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

const attributesText = (a: Record<string, string>) => Object.entries(a).map(([k, v]) => `${k}=${v}`).join(", ");

/** Creates a rule or changes one: which LLM spans an evaluator judges, how many of them and after how long. */
export function RuleForm({ editing, evaluators, onDone }: { editing: EvalRule | null; evaluators: string[]; onDone: (saved: string) => void }) {
  const [name, setName] = useState(editing?.name ?? "");
  const [evaluator, setEvaluator] = useState(editing?.evaluator ?? evaluators[0] ?? "");
  const [operation, setOperation] = useState(editing?.filter.name ?? "");
  const [model, setModel] = useState(editing?.filter.model ?? "");
  const [tags, setTags] = useState((editing?.filter.tags ?? []).join(", "));
  const [attributes, setAttributes] = useState(attributesText(editing?.filter.attributes ?? {}));
  const [percent, setPercent] = useState(String(Math.round((editing?.samplingRate ?? 1) * 1000) / 10));
  const [delay, setDelay] = useState(String(editing?.delaySeconds ?? 0));
  const [paused, setPaused] = useState(editing?.paused ?? false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("Name the rule.");
    if (!evaluator) return setError("Pick the evaluator the rule runs.");
    const rate = Number(percent);
    if (!percent.trim() || !(rate >= 0 && rate <= 100)) return setError("The sampling rate is a percentage from 0 to 100.");
    const delaySeconds = Number(delay);
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 86400) return setError("The delay is whole seconds from 0 to 86400.");
    const attrs = readAttributes(attributes);
    if (typeof attrs === "string") return setError(`Attributes: ${attrs}`);
    const body: EvalRuleIn = {
      name: name.trim(), evaluator, samplingRate: rate / 100, delaySeconds, paused,
      filter: { name: operation.trim() || null, model: model.trim() || null, tags: tags.split(",").map((t) => t.trim()).filter(Boolean), attributes: attrs },
    };
    setBusy(true);
    try {
      const saved = editing ? await rules.update(editing.id, body) : await rules.create(body);
      onDone(editing ? `Rule ${saved.name} saved.` : `Rule ${saved.name} created: new LLM spans that match are judged by ${saved.evaluator}.`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit rule" : "New rule"}>
      <h3>{editing ? `Edit ${editing.name}` : "New evaluation rule"}</h3>
      <div className="config-row">
        <label>Name<input name="rule-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. judge support answers" /></label>
        <label>Evaluator
          <select name="rule-evaluator" value={evaluator} onChange={(e) => setEvaluator(e.target.value)}>
            {evaluators.length === 0 && <option value="">no evaluators yet</option>}
            {evaluators.map((ev) => <option key={ev} value={ev}>{ev}</option>)}
          </select>
        </label>
        <label>Sampling (% of matching spans)<input name="rule-sampling" inputMode="decimal" value={percent} onChange={(e) => setPercent(e.target.value)} /></label>
        <label>Delay (seconds after stored)<input name="rule-delay" inputMode="numeric" value={delay} onChange={(e) => setDelay(e.target.value)} /></label>
      </div>
      <fieldset className="scopes">
        <legend>Which LLM spans: those matching every field filled (the server's own model calls never match)</legend>
        <div className="config-row">
          <label>Operation name<input name="rule-filter-name" value={operation} onChange={(e) => setOperation(e.target.value)} placeholder="any" /></label>
          <label>Model<input name="rule-filter-model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="any" /></label>
          <label>Tags (each among the span's)<input name="rule-filter-tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="e.g. support, prod" /></label>
          <label className="grow">Attributes (key=value, comma-separated)<input name="rule-filter-attributes" value={attributes}
            onChange={(e) => setAttributes(e.target.value)} placeholder="e.g. user_tier=pro" /></label>
        </div>
      </fieldset>
      <label className="check"><input type="checkbox" name="rule-paused" checked={paused} onChange={(e) => setPaused(e.target.checked)} />Paused</label>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{editing ? "Save rule" : "Create rule"}</button>
        <button type="button" onClick={() => onDone("")}>Cancel</button>
      </div>
    </form>
  );
}

/** A rule's filter in words. */
export function describeFilter(f: EvalRule["filter"]): string {
  const parts = [
    f.name && `operation ${f.name}`,
    f.model && `model ${f.model}`,
    f.tags.length > 0 && `tags ${f.tags.join(", ")}`,
    Object.keys(f.attributes).length > 0 && attributesText(f.attributes),
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "every LLM span";
}
