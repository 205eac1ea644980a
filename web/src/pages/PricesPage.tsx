import { useEffect, useState, type FormEvent } from "react";
import { prices } from "../api/endpoints";
import { useSession } from "../api/session";
import type { CostRecompute, ModelPrice, ModelPriceIn, PriceLookup, TokenPrices } from "../api/types";
import { ErrorBanner } from "../components/ErrorBanner";
import { errorText, useAsync } from "../lib/useAsync";

const USAGE: { key: keyof TokenPrices; label: string }[] = [
  { key: "input", label: "Input" },
  { key: "output", label: "Output" },
  { key: "cacheRead", label: "Cache read" },
  { key: "cacheWrite", label: "Cache write" },
  { key: "reasoning", label: "Reasoning" },
];

const money = (v: number | undefined) => (v === undefined ? "–" : `$${v}`);
const day = (iso: string) => iso.slice(0, 10);

/** The project's own model prices (before the shipped price table), and recomputing stored costs. */
export function PricesPage() {
  const { can } = useSession();
  const admin = can("prices:manage");
  const list = useAsync(() => prices.list(), []);
  const [editing, setEditing] = useState<ModelPrice | null>(null);
  const [error, setError] = useState("");
  const [job, setJob] = useState<CostRecompute | null>(null);
  const remove = async (p: ModelPrice) => {
    if (!window.confirm(`Delete the price of ${p.model} from ${day(p.effectiveFrom)}? The shipped table prices it again.`))
      return;
    try {
      await prices.remove(p.id);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="prices-page">
      <div className="page-head"><h1>Model prices</h1></div>
      <p className="muted">A span sent with tokens and no cost of its own is priced at ingest: first by this project's
        prices (from their date on), then by the shipped price table. Prices are US dollars per million tokens; cache
        read and cache write default to the input price, reasoning to the output price. Stored spans keep their cost
        until you recompute them.</p>
      <Lookup />
      {admin && (
        <PriceForm key={editing?.id ?? "new"} editing={editing} onDone={(started) => {
          setEditing(null);
          list.reload();
          if (started) setJob(started);
        }} />
      )}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && (
        <div className="card table-card">
          <table data-testid="prices-table">
            <thead>
              <tr><th>Model</th><th>Provider</th><th>From</th>{USAGE.map((u) => <th key={u.key}>{u.label}</th>)}
                <th>Tiers</th><th>Changed by</th><th /></tr>
            </thead>
            <tbody>
              {list.data.prices.length === 0 && (
                <tr><td colSpan={10} className="muted">No prices of this project: the shipped table prices every span.</td></tr>
              )}
              {list.data.prices.map((p) => (
                <tr key={p.id} data-price={p.model}>
                  <td><strong>{p.model}</strong>{p.pattern && <div className="muted small-text"><code>{p.pattern}</code></div>}</td>
                  <td>{p.provider ?? <span className="muted">any</span>}</td>
                  <td>{day(p.effectiveFrom)}</td>
                  {USAGE.map((u) => <td key={u.key}>{money(p.prices[u.key])}</td>)}
                  <td>{p.tiers.length ? p.tiers.map((t) => `>${t.aboveInputTokens.toLocaleString()}`).join(", ") : "–"}</td>
                  <td className="muted small-text">{p.updatedBy}</td>
                  <td>{admin && (
                    <span className="actions">
                      <button className="small" onClick={() => setEditing(p)}>Edit</button>
                      <button className="danger small" onClick={() => void remove(p)}>Delete</button>
                    </span>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && <Recompute job={job} onJob={setJob} />}
    </div>
  );
}

/** Which price a model gets now, and from where. */
function Lookup() {
  const [model, setModel] = useState("");
  const [provider, setProvider] = useState("");
  const [found, setFound] = useState<PriceLookup | null>(null);
  const [error, setError] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setFound(await prices.lookup(model.trim(), provider.trim()));
      setError("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Look up a price">
      <div className="config-row">
        <label>Model<input name="lookup-model" value={model} onChange={(e) => setModel(e.target.value)}
          placeholder="e.g. gpt-4o-mini" /></label>
        <label>Provider<input name="lookup-provider" value={provider} onChange={(e) => setProvider(e.target.value)}
          placeholder="e.g. openai" /></label>
        <button type="submit" disabled={!model.trim()}>Look up</button>
      </div>
      <ErrorBanner error={error} />
      {found && (
        <p data-testid="lookup-result">
          {found.price
            ? <>{found.model}: {USAGE.filter((u) => found.price?.prices[u.key] !== undefined)
                .map((u) => `${u.label.toLowerCase()} ${money(found.price?.prices[u.key])}`).join(", ")} per million
                tokens, from {day(found.price.effectiveFrom)} ({found.source === "custom" ? "this project's price" : "shipped table"})</>
            : <>{found.model} is <strong>unpriced</strong>: its spans count as unpriced (not $0) until it has a price.</>}
        </p>
      )}
    </form>
  );
}

function PriceForm({ editing, onDone }: { editing: ModelPrice | null; onDone: (job: CostRecompute | null) => void }) {
  const initial = () => ({
    model: editing?.model ?? "",
    provider: editing?.provider ?? "",
    pattern: editing?.pattern ?? "",
    effectiveFrom: editing ? day(editing.effectiveFrom) : new Date().toISOString().slice(0, 10),
    ...Object.fromEntries(USAGE.map((u) => [u.key, editing?.prices[u.key]?.toString() ?? ""])),
    tierAbove: editing?.tiers[0]?.aboveInputTokens.toString() ?? "",
    tierInput: editing?.tiers[0]?.prices.input?.toString() ?? "",
    tierOutput: editing?.tiers[0]?.prices.output?.toString() ?? "",
    recompute: false,
  });
  const [draft, setDraft] = useState<Record<string, string | boolean>>(initial);
  const [error, setError] = useState("");
  const text = (k: string) => String(draft[k] ?? "");
  const set = (k: string) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const price: ModelPriceIn = { model: text("model").trim(), effectiveFrom: text("effectiveFrom"), prices: {} };
    if (text("provider").trim()) price.provider = text("provider").trim();
    if (text("pattern").trim()) price.pattern = text("pattern").trim();
    for (const u of USAGE) {
      if (!text(u.key).trim()) continue;
      const v = Number(text(u.key));
      if (!Number.isFinite(v) || v < 0) return setError(`${u.label} must be a number of dollars, 0 or more.`);
      price.prices[u.key] = v;
    }
    if (text("tierAbove").trim()) {
      const tier: TokenPrices = {};
      if (text("tierInput").trim()) tier.input = Number(text("tierInput"));
      if (text("tierOutput").trim()) tier.output = Number(text("tierOutput"));
      price.tiers = [{ aboveInputTokens: Number(text("tierAbove")), prices: tier }];
    }
    try {
      if (editing) await prices.update(editing.id, price);
      else await prices.create(price);
      let job: CostRecompute | null = null;
      if (draft.recompute) job = await prices.recompute(`${price.effectiveFrom}T00:00:00Z`, new Date().toISOString());
      setError("");
      if (!editing) setDraft(initial());
      onDone(job);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? "Edit price" : "Add price"}>
      <h3>{editing ? `Edit the price of ${editing.model}` : "Price a model"}</h3>
      <div className="config-row">
        <label>Model<input name="price-model" value={text("model")} onChange={set("model")} placeholder="e.g. my-finetune" /></label>
        <label>Provider<input name="price-provider" value={text("provider")} onChange={set("provider")} placeholder="any" /></label>
        <label>Other names (regex)<input name="price-pattern" value={text("pattern")} onChange={set("pattern")}
          placeholder="optional, e.g. ^my-finetune(-v\d+)?$" /></label>
        <label>From<input name="price-from" type="date" value={text("effectiveFrom")} onChange={set("effectiveFrom")} /></label>
      </div>
      <div className="config-row">
        {USAGE.map((u) => (
          <label key={u.key}>{u.label} $/M<input name={`price-${u.key}`} inputMode="decimal" value={text(u.key)}
            onChange={set(u.key)} placeholder={u.key === "input" || u.key === "output" ? "required" : "optional"} /></label>
        ))}
      </div>
      <div className="config-row">
        <label>Long-context tier above (input tokens)<input name="price-tier-above" inputMode="numeric"
          value={text("tierAbove")} onChange={set("tierAbove")} placeholder="optional" /></label>
        <label>Tier input $/M<input name="price-tier-input" inputMode="decimal" value={text("tierInput")} onChange={set("tierInput")} /></label>
        <label>Tier output $/M<input name="price-tier-output" inputMode="decimal" value={text("tierOutput")} onChange={set("tierOutput")} /></label>
      </div>
      <label className="checkbox">
        <input type="checkbox" name="price-recompute" checked={Boolean(draft.recompute)}
          onChange={(e) => setDraft({ ...draft, recompute: e.target.checked })} />
        Recompute stored spans from this date to now after saving
      </label>
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit" className="primary">{editing ? "Save price" : "Add price"}</button>
        {editing && <button type="button" onClick={() => onDone(null)}>Cancel</button>}
      </div>
    </form>
  );
}

/** Start a recompute over a period and follow its progress. */
function Recompute({ job, onJob }: { job: CostRecompute | null; onJob: (j: CostRecompute) => void }) {
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86400000);
  const [from, setFrom] = useState(monthAgo.toISOString().slice(0, 10));
  const [to, setTo] = useState(today.toISOString().slice(0, 10));
  const [error, setError] = useState("");
  const recent = useAsync(() => prices.recomputes(), [job?.id, job?.state]);
  const running = job?.state === "running";
  useEffect(() => {
    if (!job || job.state !== "running") return;
    const timer = window.setTimeout(() => {
      prices.recomputeOf(job.id).then(onJob, (err) => setError(errorText(err)));
    }, 400);
    return () => window.clearTimeout(timer);
  }, [job, onJob]);
  const start = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const end = new Date(`${to}T00:00:00Z`).getTime() + 86400000;
      onJob(await prices.recompute(`${from}T00:00:00Z`, new Date(end).toISOString()));
      setError("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card form" onSubmit={start} aria-label="Recompute stored costs">
      <h3>Recompute stored costs</h3>
      <p className="muted">Prices the spans of the traces that started in the period again, at the prices in force now.
        Costs sent by the caller stay. The trace list, sessions, users and the Overview follow.</p>
      <div className="config-row">
        <label>From<input name="recompute-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>To (inclusive)<input name="recompute-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <button type="submit" className="primary" disabled={running}>Recompute</button>
      </div>
      <ErrorBanner error={error} />
      {job && <RecomputeProgress job={job} />}
      {recent.data && recent.data.recomputes.length > 0 && (
        <table data-testid="recomputes-table">
          <thead><tr><th>Started</th><th>Period</th><th>State</th><th>Spans</th><th>Changed</th><th>By</th></tr></thead>
          <tbody>
            {recent.data.recomputes.map((r) => (
              <tr key={r.id}>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{day(r.from)} – {day(r.to)}</td>
                <td title={r.error ?? undefined}>{r.state}</td>
                <td>{r.spansDone.toLocaleString()} / {r.spansTotal.toLocaleString()}</td>
                <td>{r.spansChanged.toLocaleString()}</td>
                <td className="muted small-text">{r.startedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  );
}

function RecomputeProgress({ job }: { job: CostRecompute }) {
  const percent = Math.round(job.progress * 100);
  return (
    <div data-testid="recompute-progress" data-state={job.state}>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className={`progress-fill ${job.state}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="small-text">
        {job.state === "running" && <>Recomputing: {percent} % ({job.spansDone.toLocaleString()} of {job.spansTotal.toLocaleString()} spans)</>}
        {job.state === "done" && <>Done: {job.spansChanged.toLocaleString()} of {job.spansTotal.toLocaleString()} spans got a new cost.</>}
        {job.state === "failed" && <>Failed: {job.error}</>}
      </p>
    </div>
  );
}
