import { useState, type FormEvent } from "react";
import { connections } from "../../api/endpoints";
import type { ModelConnection, ModelConnectionInput, Provider } from "../../api/types";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

/** Where each provider's API is when the connection does not say otherwise. */
export const DEFAULT_BASE_URL: Record<Provider, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
};

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Adds a connection, or changes one (its key stays unless a new one is typed). */
export function ConnectionForm({ editing, onDone }: { editing: ModelConnection | null; onDone: (saved: boolean) => void }) {
  const [name, setName] = useState(editing?.name ?? "");
  const [provider, setProvider] = useState<Provider>(editing?.provider ?? "openai");
  const [baseUrl, setBaseUrl] = useState(editing?.baseUrl ?? DEFAULT_BASE_URL.openai);
  const [apiKey, setApiKey] = useState("");
  const [model, setModel] = useState(editing?.defaultModel ?? "");
  const [budget, setBudget] = useState(editing?.monthlyBudgetUsd?.toString() ?? "");
  const [concurrency, setConcurrency] = useState(String(editing?.maxConcurrency ?? 4));
  const [timeout, setTimeoutSeconds] = useState(String((editing?.timeoutMs ?? 60000) / 1000));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const pickProvider = (next: Provider) => {
    // A base URL still at the old provider's default follows the provider; one typed by hand stays.
    if (!baseUrl.trim() || baseUrl === DEFAULT_BASE_URL[provider]) setBaseUrl(DEFAULT_BASE_URL[next]);
    setProvider(next);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing && !NAME_RE.test(name)) return setError("A name starts with a letter or digit and holds only letters, digits, '.', '_' and '-' (128 at most).");
    if (!editing && !apiKey) return setError("Paste the provider's API key: a new connection needs one.");
    if (!model.trim()) return setError("Name the default model, e.g. gpt-4o-mini.");
    const body: ModelConnectionInput = {
      provider, baseUrl: baseUrl.trim() || DEFAULT_BASE_URL[provider], defaultModel: model.trim(),
      monthlyBudgetUsd: budget.trim() ? Number(budget) : null,
      maxConcurrency: Number(concurrency), timeoutMs: Math.round(Number(timeout) * 1000),
    };
    if (budget.trim() && !(Number(budget) >= 0)) return setError("The monthly budget is a number of dollars, 0 or more (empty: no cap).");
    if (!Number.isInteger(body.maxConcurrency) || body.maxConcurrency < 1 || body.maxConcurrency > 64)
      return setError("Max concurrency is a whole number from 1 to 64.");
    if (!(body.timeoutMs >= 1000 && body.timeoutMs <= 600000)) return setError("The timeout is from 1 to 600 seconds.");
    if (apiKey) body.apiKey = apiKey;
    setBusy(true);
    try {
      if (editing) await connections.update(editing.name, body);
      else await connections.create({ ...body, name });
      onDone(true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit connection" : "Add connection"} autoComplete="off">
      <h3>{editing ? `Edit ${editing.name}` : "Add a model connection"}</h3>
      <div className="config-row">
        <label>Name<input name="connection-name" value={name} disabled={Boolean(editing)} onChange={(e) => setName(e.target.value)}
          placeholder="e.g. openai-main" /></label>
        <label>Provider
          <select name="connection-provider" value={provider} onChange={(e) => pickProvider(e.target.value as Provider)}>
            <option value="openai">OpenAI-compatible (chat completions)</option>
            <option value="anthropic">Anthropic (messages)</option>
          </select>
        </label>
        <label className="grow">Base URL<input name="connection-base-url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} /></label>
      </div>
      <div className="config-row">
        <label>API key<input name="connection-api-key" type="password" autoComplete="new-password" value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          placeholder={editing ? `leave empty to keep the key (${editing.keyHint})` : "required"} /></label>
        <label>Default model<input name="connection-model" value={model} onChange={(e) => setModel(e.target.value)}
          placeholder={provider === "openai" ? "e.g. gpt-4o-mini" : "e.g. claude-haiku-4-5"} /></label>
      </div>
      <div className="config-row">
        <label>Monthly budget ($)<input name="connection-budget" inputMode="decimal" value={budget}
          onChange={(e) => setBudget(e.target.value)} placeholder="empty: no cap" /></label>
        <label>Max concurrency<input name="connection-concurrency" inputMode="numeric" value={concurrency}
          onChange={(e) => setConcurrency(e.target.value)} /></label>
        <label>Timeout (s, retries included)<input name="connection-timeout" inputMode="decimal" value={timeout}
          onChange={(e) => setTimeoutSeconds(e.target.value)} /></label>
      </div>
      <p className="muted small-text">The key is sealed on the server at once and never shown again, to anyone.</p>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{editing ? "Save connection" : "Add connection"}</button>
        <button type="button" onClick={() => onDone(false)}>Cancel</button>
      </div>
    </form>
  );
}
