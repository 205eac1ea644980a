// The playground: a prompt (a FlowOps version, or written here) with its variables filled, one call through a model
// connection, the completion with its tokens, cost and latency; then kept as a prompt version or a dataset item.
import { useState, type FormEvent } from "react";
import { connections, playground, prompts } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { PlaygroundAnswer, PlaygroundIn } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { SaveAsItem, SaveAsVersion } from "../../components/evaluations/PlaygroundSave";
import { fmtCost, fmtInt, fmtMs } from "../../lib/format";
import { Link } from "../../lib/router";
import { modelParameters } from "../../lib/modelParameters";
import { compileTemplate, templateVariables } from "../../lib/promptTemplate";
import { errorText, useAsync } from "../../lib/useAsync";

/** The version the editor was loaded from: while the text is still its content, the server compiles that version. */
interface Loaded { name: string; version: number; content: string }

export function PlaygroundPage() {
  const { can } = useSession();
  const choices = useAsync(async () => {
    const [p, c] = await Promise.all([prompts.list(), connections.list()]);
    return { prompts: p.prompts.map((x) => x.name), connections: c.connections };
  }, []);
  const [promptName, setPromptName] = useState("");
  const versions = useAsync(async () => (promptName ? (await prompts.versions(promptName)).versions : []), [promptName]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [text, setText] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [connection, setConnection] = useState("");
  const [model, setModel] = useState("");
  const [temperature, setTemperature] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [answer, setAnswer] = useState<PlaygroundAnswer | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const c = choices.data;
  const chosenConnection = connection || c?.connections[0]?.name || "";
  const variables = templateVariables(text);
  const filled = Object.fromEntries(variables.map((v) => [v, values[v] ?? ""]));
  const fromVersion = loaded !== null && loaded.content === text;

  const load = (version: number) => {
    const v = versions.data?.find((x) => x.version === version);
    if (!v) return;
    setLoaded({ name: promptName, version, content: v.content });
    setText(v.content);
  };
  const run = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return setError("Write a prompt, or load a version of one.");
    if (!chosenConnection) return setError("Pick the model connection to call.");
    const body: PlaygroundIn = { connection: chosenConnection };
    if (fromVersion) {
      body.prompt = { name: loaded.name, version: loaded.version };
      body.variables = filled;
    } else {
      body.messages = [{ role: "user", content: compileTemplate(text, filled) }];
    }
    const parameters = modelParameters(model, temperature, maxTokens);
    if (typeof parameters === "string") return setError(parameters);
    Object.assign(body, parameters);
    setBusy(true);
    setError("");
    setAnswer(null);
    try {
      setAnswer(await playground.run(body));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page" data-testid="playground-page">
      <div className="page-head"><h1>Playground <span className="muted small-text">Evaluations</span></h1></div>
      <ErrorBanner error={choices.error} onRetry={choices.reload} />
      {c && c.connections.length === 0 && (
        <p className="notice" data-testid="no-connection">The playground calls a model through a model connection:{" "}
          <Link to="/evaluations/connections">add one</Link> (admins) first.</p>
      )}
      <form className="card form" onSubmit={run} aria-label="Playground">
        <div className="config-row">
          <label>Load a prompt
            <select name="playground-prompt" value={promptName} onChange={(e) => setPromptName(e.target.value)}>
              <option value="">write one here…</option>
              {c?.prompts.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </label>
          {promptName && (
            <label>Version
              <select name="playground-version" value={loaded?.name === promptName ? String(loaded.version) : ""}
                onChange={(e) => load(Number(e.target.value))}>
                <option value="" disabled>pick a version…</option>
                {versions.data?.map((v) => <option key={v.version} value={v.version}>v{v.version}{v.message ? `: ${v.message}` : ""}</option>)}
              </select>
            </label>
          )}
          <span className="muted small-text grow" data-testid="playground-source">
            {fromVersion ? `Runs ${loaded.name} v${loaded.version} as stored.`
              : loaded ? `Edited from ${loaded.name} v${loaded.version}: runs the text below.` : "Runs the text below."}
          </span>
        </div>
        <label>Prompt, with {"{{variables}}"}
          <textarea name="playground-text" rows={8} value={text} onChange={(e) => setText(e.target.value)}
            placeholder={"Answer the customer's question: {{question}}"} />
        </label>
        {variables.length > 0 && (
          <fieldset className="scopes" data-testid="playground-variables">
            <legend>Variables</legend>
            <div className="config-row">
              {variables.map((v) => (
                <label key={v} className="grow">{v}
                  <textarea name={`var-${v}`} rows={2} value={values[v] ?? ""} onChange={(e) => setValues({ ...values, [v]: e.target.value })} />
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div className="config-row">
          <label>Model connection
            <select name="playground-connection" value={chosenConnection} onChange={(e) => setConnection(e.target.value)}>
              {c && c.connections.length === 0 && <option value="">no connections yet</option>}
              {c?.connections.map((x) => <option key={x.name} value={x.name}>{x.name} ({x.provider})</option>)}
            </select>
          </label>
          <label>Model<input name="playground-model" value={model} onChange={(e) => setModel(e.target.value)}
            placeholder={c?.connections.find((x) => x.name === chosenConnection)?.defaultModel || "the connection's default"} /></label>
          <label>Temperature<input name="playground-temperature" inputMode="decimal" value={temperature}
            onChange={(e) => setTemperature(e.target.value)} placeholder="provider default" /></label>
          <label>Max tokens<input name="playground-max-tokens" inputMode="numeric" value={maxTokens}
            onChange={(e) => setMaxTokens(e.target.value)} placeholder="provider default" /></label>
          <button type="submit" className="primary" disabled={busy || !can("evaluations:write")}>{busy ? "Calling the model…" : "Run"}</button>
        </div>
        <div data-testid="playground-error"><ErrorBanner error={error} /></div>
      </form>
      {answer && (
        <div className="card" data-testid="playground-answer">
          <div className="card-head">
            <h3>Completion</h3>
            <Link to={`/traces/${encodeURIComponent(answer.traceId)}`}>its trace →</Link>
          </div>
          <pre className="version-content" data-testid="playground-completion">{answer.text}</pre>
          <p className="summary-line small-text" data-testid="playground-usage">
            <span data-testid="playground-model">{answer.model}</span>
            <span data-testid="playground-tokens">{fmtInt(answer.inputTokens)} in / {fmtInt(answer.outputTokens)} out tokens</span>
            <span data-testid="playground-cost">{fmtCost(answer.costUsd)}</span>
            <span data-testid="playground-latency">{fmtMs(answer.latencyMs)}</span>
            <span>finish: {answer.finishReason || "–"}</span>
          </p>
          <div className="save-row">
            {can("prompts:write") && <SaveAsVersion text={text} suggested={loaded?.name ?? ""} prompts={c?.prompts ?? []} onSaved={choices.reload} />}
            {can("evaluations:write") && <SaveAsItem variables={filled} prompt={compileTemplate(text, filled)} completion={answer.text} />}
          </div>
        </div>
      )}
    </div>
  );
}
