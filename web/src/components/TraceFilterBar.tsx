import { useEffect, useState, type FormEvent } from "react";
import { NO_FILTERS, splitList, type TraceFilters } from "../lib/traceFilters";

/** The filter form; applying writes the filters into the URL (done by the caller). */
export function TraceFilterBar({ value, onApply }: { value: TraceFilters; onApply: (f: TraceFilters) => void }) {
  const [draft, setDraft] = useState(value);
  const [tags, setTags] = useState(value.tags.join(", "));
  const [attrs, setAttrs] = useState(value.attrs.join("; "));
  const [scoreConds, setScoreConds] = useState(value.scores.join("; "));
  const signature = JSON.stringify(value);
  useEffect(() => {
    setDraft(value);
    setTags(value.tags.join(", "));
    setAttrs(value.attrs.join("; "));
    setScoreConds(value.scores.join("; "));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);
  const [problem, setProblem] = useState("");
  const set = (k: keyof TraceFilters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const attrList = splitList(attrs, /;/);
    const bad = attrList.find((a) => !/^[^=]+=.*$/.test(a));
    if (bad) return setProblem(`Attribute filter "${bad}" needs the form key=value.`);
    const scoreList = splitList(scoreConds, /;/);
    const badScore = scoreList.find((c) => !/^[^<>=!]+(>=|<=|!=|>|<|=).+$/.test(c));
    if (badScore) return setProblem(`Score filter "${badScore}" needs the form name>value (or >=, <, <=, =, !=).`);
    for (const [label, v] of [["Min latency", draft.minLatencyMs], ["Min cost", draft.minCostUsd]] as const) {
      if (v.trim() && !(Number(v) >= 0)) return setProblem(`${label} must be a number of at least 0.`);
    }
    setProblem("");
    onApply({ ...draft, tags: splitList(tags, /,/), attrs: attrList, scores: scoreList });
  };
  const clear = () => onApply(NO_FILTERS);
  return (
    <form className="filters card" onSubmit={submit} aria-label="Trace filters">
      <label>Operation<input name="name" value={draft.name} onChange={set("name")} placeholder="e.g. document-summary" /></label>
      <label>Model<input name="model" value={draft.model} onChange={set("model")} placeholder="e.g. gpt-4o" /></label>
      <label>Provider<input name="provider" value={draft.provider} onChange={set("provider")} placeholder="e.g. openai" /></label>
      <label>Status
        <select name="status" value={draft.status} onChange={set("status")}>
          <option value="">any</option><option value="ok">ok</option><option value="error">error</option>
        </select>
      </label>
      <label>Tags<input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="e.g. prod, beta" /></label>
      <label className="wide">Attributes<input name="attrs" value={attrs} onChange={(e) => setAttrs(e.target.value)} placeholder="e.g. user_id=u-42; session_id=s1" /></label>
      <label className="narrow">Min latency (ms)<input name="min_latency_ms" inputMode="decimal" value={draft.minLatencyMs} onChange={set("minLatencyMs")} /></label>
      <label className="narrow">Min cost ($)<input name="min_cost_usd" inputMode="decimal" value={draft.minCostUsd} onChange={set("minCostUsd")} /></label>
      <label className="wide">Scores<input name="scores" value={scoreConds} onChange={(e) => setScoreConds(e.target.value)} placeholder="e.g. accuracy>0.8; label=good" /></label>
      <label>Sort by score<input name="sort_score" value={draft.sortScore} onChange={set("sortScore")} placeholder="e.g. accuracy (highest first)" /></label>
      <div className="filter-actions">
        <button type="submit" className="primary">Apply filters</button>
        <button type="button" onClick={clear}>Clear</button>
      </div>
      {problem && <div className="error-banner" role="alert">{problem}</div>}
    </form>
  );
}
