// "Run a prompt over this dataset": the server fills a prompt version with each item's input, calls a model
// connection, records each result and applies the evaluators picked; the run answers at once, running.
import { useState, type FormEvent } from "react";
import { connections, evaluators, prompts, runs } from "../../api/endpoints";
import { ENVIRONMENTS, type DatasetRunWithAggregates, type PromptRunIn } from "../../api/types";
import { modelParameters } from "../../lib/modelParameters";
import { templateVariables } from "../../lib/promptTemplate";
import { errorText, useAsync } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

/** A version to run: "v:N" (that version) or "env:E" (what the environment serves when the run starts). */
type Pick = string;

export function PromptRunForm({ dataset, onDone }: { dataset: string; onDone: (started: DatasetRunWithAggregates | null) => void }) {
  const choices = useAsync(async () => {
    const [p, c, e] = await Promise.all([prompts.list(), connections.list(), evaluators.list()]);
    return { prompts: p.prompts.map((x) => x.name), connections: c.connections.map((x) => x.name), evaluators: e.evaluators.map((x) => x.name) };
  }, []);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [prompt, setPrompt] = useState("");
  const [pick, setPick] = useState<Pick>("env:production");
  const [connection, setConnection] = useState("");
  const [model, setModel] = useState("");
  const [temperature, setTemperature] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [judges, setJudges] = useState<string[]>([]);
  const [concurrency, setConcurrency] = useState("2");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const c = choices.data;
  const chosenPrompt = prompt || c?.prompts[0] || "";
  const versions = useAsync(async () => (chosenPrompt ? (await prompts.versions(chosenPrompt)).versions : []), [chosenPrompt]);
  const chosenConnection = connection || c?.connections[0] || "";
  const picked = pick.startsWith("v:") ? versions.data?.find((v) => `v:${v.version}` === pick) : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("Name the run, e.g. the prompt version and model it tries.");
    if (!chosenPrompt) return setError("Pick the prompt to run.");
    if (!chosenConnection) return setError("Pick the model connection to call.");
    const body: PromptRunIn = { name: name.trim(), prompt: chosenPrompt, connection: chosenConnection, concurrency: Number(concurrency) };
    if (description.trim()) body.description = description.trim();
    if (pick.startsWith("v:")) body.version = Number(pick.slice(2));
    else body.environment = pick.slice(4) as PromptRunIn["environment"];
    const parameters = modelParameters(model, temperature, maxTokens);
    if (typeof parameters === "string") return setError(parameters);
    Object.assign(body, parameters);
    if (judges.length) body.evaluators = judges;
    setBusy(true);
    setError("");
    try {
      onDone(await runs.startPrompt(dataset, body));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Run a prompt">
      <h3>Run a prompt over this dataset</h3>
      <p className="muted small-text">The server fills the prompt with each item's input (an object's fields are the prompt's
        variables; any other input is the variable <code>{"{{input}}"}</code>), calls the model for every item of the current version, and scores
        the outputs with the evaluators you tick. The run shows below as it progresses.</p>
      <ErrorBanner error={choices.error} onRetry={choices.reload} />
      <div className="config-row">
        <label>Run name<input name="run-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. v2 on gpt-4o-mini" /></label>
        <label className="grow">Description<input name="run-description" value={description}
          onChange={(e) => setDescription(e.target.value)} placeholder="optional" /></label>
      </div>
      <div className="config-row">
        <label>Prompt
          <select name="run-prompt" value={chosenPrompt} onChange={(e) => { setPrompt(e.target.value); setPick("env:production"); }}>
            {c && c.prompts.length === 0 && <option value="">no prompts yet</option>}
            {c?.prompts.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <label>Version
          <select name="run-version" value={pick} onChange={(e) => setPick(e.target.value)}>
            {ENVIRONMENTS.map((env) => <option key={env} value={`env:${env}`}>what {env} serves</option>)}
            {versions.data?.map((v) => <option key={v.version} value={`v:${v.version}`}>v{v.version}{v.message ? `: ${v.message}` : ""}</option>)}
          </select>
        </label>
        <label>Model connection
          <select name="run-connection" value={chosenConnection} onChange={(e) => setConnection(e.target.value)}>
            {c && c.connections.length === 0 && <option value="">no connections yet</option>}
            {c?.connections.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label>Model<input name="run-model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="the connection's default" /></label>
        <label>Temperature<input name="run-temperature" inputMode="decimal" value={temperature}
          onChange={(e) => setTemperature(e.target.value)} placeholder="provider default" /></label>
        <label>Max tokens<input name="run-max-tokens" inputMode="numeric" value={maxTokens}
          onChange={(e) => setMaxTokens(e.target.value)} placeholder="provider default" /></label>
        <label>Calls at once
          <select name="run-concurrency" value={concurrency} onChange={(e) => setConcurrency(e.target.value)}>
            {[1, 2, 3, 4, 5, 6, 7, 8].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </div>
      {picked && templateVariables(picked.content).length > 0 && (
        <p className="muted small-text" data-testid="run-variables">v{picked.version} fills {templateVariables(picked.content)
          .map((v) => `{{${v}}}`).join(", ")} from each item's input.</p>
      )}
      {c && c.evaluators.length > 0 && (
        <fieldset className="scopes">
          <legend>Score the outputs with</legend>
          {c.evaluators.map((ev) => (
            <label key={ev} className="check">
              <input type="checkbox" name={`run-evaluator-${ev}`} checked={judges.includes(ev)}
                onChange={() => setJudges(judges.includes(ev) ? judges.filter((x) => x !== ev) : [...judges, ev])} />{ev}
            </label>
          ))}
        </fieldset>
      )}
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !c}>{busy ? "Starting…" : "Start the run"}</button>
        <button type="button" onClick={() => onDone(null)}>Cancel</button>
      </div>
    </form>
  );
}
