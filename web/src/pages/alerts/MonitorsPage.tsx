import { useState } from "react";
import { channels as channelsApi, monitors } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { Monitor, MonitorFilter, MonitorInput } from "../../api/types";
import { LineChart } from "../../charts/LineChart";
import { ErrorBanner } from "../../components/ErrorBanner";
import { fmtCost, fmtInt, fmtMs, fmtTime } from "../../lib/format";
import { errorText, useAsync } from "../../lib/useAsync";

const METRICS: { value: Monitor["metric"]; label: string }[] = [
  { value: "cost", label: "cost (USD)" },
  { value: "tokens", label: "tokens" },
  { value: "requests", label: "requests (spans)" },
  { value: "error_rate", label: "error rate (0 to 1)" },
  { value: "latency_p95", label: "latency p95 (ms)" },
  { value: "unpriced_spans", label: "unpriced spans" },
  { value: "findings", label: "personal-data findings" },
];

const WINDOWS: { seconds: number; label: string }[] = [
  { seconds: 300, label: "5 minutes" },
  { seconds: 900, label: "15 minutes" },
  { seconds: 3600, label: "1 hour" },
  { seconds: 6 * 3600, label: "6 hours" },
  { seconds: 86400, label: "1 day" },
  { seconds: 7 * 86400, label: "7 days" },
  { seconds: 30 * 86400, label: "30 days" },
];

const STATE_CLASS: Record<Monitor["state"], string> = { ok: "ok", firing: "error", resolved: "finished" };

function fmtMetric(metric: Monitor["metric"], v: number): string {
  if (metric === "cost") return fmtCost(v);
  if (metric === "latency_p95") return fmtMs(v);
  if (metric === "error_rate") return `${(v * 100).toFixed(1)} %`;
  return fmtInt(v);
}

function windowLabel(seconds: number): string {
  const known = WINDOWS.find((w) => w.seconds === seconds);
  if (known) return known.label;
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${seconds / 60} minutes`;
}

function filterLabel(f: MonitorFilter): string {
  const parts: string[] = [];
  if (f.operation) parts.push(`operation ${f.operation}`);
  if (f.model) parts.push(`model ${f.model}`);
  if (f.userId) parts.push(`user ${f.userId}`);
  for (const t of f.tags ?? []) parts.push(`tag ${t}`);
  for (const [k, v] of Object.entries(f.attributes ?? {})) parts.push(`${k}=${v}`);
  return parts.length ? parts.join(", ") : "all spans";
}

/** The project's monitors: a metric over a window against a threshold, with their state and history. */
export function MonitorsPage() {
  const { can } = useSession();
  const admin = can("alerts:manage");
  const list = useAsync(() => monitors.list(), []);
  const [editing, setEditing] = useState<Monitor | "new" | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState("");
  const act = async (f: () => Promise<unknown>) => {
    setError("");
    try {
      await f();
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const remove = (m: Monitor) => {
    if (!window.confirm(`Delete the monitor ${m.name} and its history?`)) return;
    void act(() => monitors.remove(m.id));
  };
  return (
    <div className="page" data-testid="monitors-page">
      <div className="page-head">
        <h1>Monitors <span className="muted small-text">Alerts</span></h1>
        {admin && editing === null && <button className="primary" onClick={() => setEditing("new")}>Add monitor</button>}
      </div>
      <p className="muted">A metric of the project over a sliding window against a threshold, evaluated in the
        background. A monitor fires when its value breaks the threshold and resolves when it no longer does; each
        change notifies its channels (all of the project's when it names none).</p>
      {!admin && <p className="notice" data-testid="monitors-read-only">Only admins add or change monitors.</p>}
      {editing !== null && (
        <MonitorForm key={editing === "new" ? "new" : editing.id} monitor={editing === "new" ? null : editing}
          onDone={(saved) => { setEditing(null); if (saved) list.reload(); }} />
      )}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && list.data.monitors.length === 0 && (
        <div className="empty" data-testid="no-monitors"><h2>No monitors yet</h2></div>
      )}
      {list.data && list.data.monitors.length > 0 && (
        <div className="card table-card">
          <table data-testid="monitors-table">
            <thead><tr><th>Name</th><th>Condition</th><th>Last value</th><th>State</th><th /></tr></thead>
            <tbody>
              {list.data.monitors.map((m) => (
                <MonitorRow key={m.id} m={m} admin={admin} open={open === m.id}
                  onToggle={() => setOpen(open === m.id ? null : m.id)}
                  onEdit={() => setEditing(m)}
                  onPause={() => void act(() => monitors.update(m.id, { paused: !m.paused }))}
                  onEvaluate={() => void act(() => monitors.evaluate(m.id))}
                  onRemove={() => remove(m)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function MonitorRow(props: {
  m: Monitor; admin: boolean; open: boolean;
  onToggle: () => void; onEdit: () => void; onPause: () => void; onEvaluate: () => void; onRemove: () => void;
}) {
  const { m, admin } = props;
  return (
    <>
      <tr data-monitor={m.name}>
        <td><button className="link" onClick={props.onToggle} aria-expanded={props.open}><strong>{m.name}</strong></button>
          <div className="muted small-text">{filterLabel(m.filter)}</div></td>
        <td className="small-text" data-testid="monitor-condition">
          {m.metric} over {windowLabel(m.windowSeconds)} {m.comparison} {fmtMetric(m.metric, m.threshold)}</td>
        <td data-testid="monitor-value">{m.lastValue === null ? <span className="muted">–</span> : fmtMetric(m.metric, m.lastValue)}
          {m.lastEvaluatedAt && <div className="muted small-text">{fmtTime(m.lastEvaluatedAt)}</div>}</td>
        <td>
          <span className={`status-pill ${STATE_CLASS[m.state]}`} data-testid="monitor-state">{m.state}</span>
          {m.paused && <> <span className="status-pill paused" data-testid="monitor-paused">paused</span></>}
        </td>
        <td className="actions">
          {admin && <>
            <button className="small" onClick={props.onEdit}>Edit</button>
            <button className="small" onClick={props.onPause}>{m.paused ? "Resume" : "Pause"}</button>
            {!m.paused && <button className="small" onClick={props.onEvaluate}>Evaluate now</button>}
            <button className="danger small" onClick={props.onRemove}>Delete</button>
          </>}
        </td>
      </tr>
      {props.open && <tr><td colSpan={5}><MonitorHistory m={m} /></td></tr>}
    </>
  );
}

/** The monitor's transitions drawn as its value against its threshold, oldest first, then listed. */
function MonitorHistory({ m }: { m: Monitor }) {
  const history = useAsync(() => monitors.history(m.id), [m.id, m.state, m.lastEvaluatedAt]);
  if (history.error) return <ErrorBanner error={history.error} onRetry={history.reload} />;
  if (!history.data) return null;
  const steps = [...history.data.transitions].reverse();
  const points = steps.map((t) => ({ time: Date.parse(t.at), value: t.value, threshold: t.threshold }));
  if (m.lastValue !== null && m.lastEvaluatedAt)
    points.push({ time: Date.parse(m.lastEvaluatedAt), value: m.lastValue, threshold: m.threshold });
  return (
    <div data-testid="monitor-history">
      {points.length === 0 ? <p className="muted">Not evaluated yet.</p> : (
        <LineChart title={`${m.name}: ${m.metric} against its threshold`} testId="monitor-chart"
          times={points.map((p) => p.time)}
          series={[
            { label: "value", color: "#2f5bea", values: points.map((p) => p.value) },
            { label: "threshold", color: "#d64545", values: points.map((p) => p.threshold) },
          ]}
          format={(v) => fmtMetric(m.metric, v)} />
      )}
      {steps.length === 0 ? <p className="muted" data-testid="no-transitions">It has not fired.</p> : (
        <ul className="small-text" data-testid="monitor-transitions">
          {history.data.transitions.map((t) => (
            <li key={t.at + t.state}>
              <span className={`status-pill ${STATE_CLASS[t.state]}`}>{t.state}</span>{" "}
              {fmtTime(t.at)}: {fmtMetric(m.metric, t.value)} against {fmtMetric(m.metric, t.threshold)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function MonitorForm({ monitor, onDone }: { monitor: Monitor | null; onDone: (saved: boolean) => void }) {
  const channels = useAsync(() => channelsApi.list(), []);
  const f = monitor?.filter ?? {};
  const [form, setForm] = useState({
    name: monitor?.name ?? "",
    metric: monitor?.metric ?? "cost",
    windowSeconds: String(monitor?.windowSeconds ?? 3600),
    comparison: monitor?.comparison ?? "above",
    threshold: monitor ? String(monitor.threshold) : "",
    operation: f.operation ?? "",
    model: f.model ?? "",
    userId: f.userId ?? "",
    tags: (f.tags ?? []).join(", "),
    attributes: Object.entries(f.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join(", "),
  });
  const [picked, setPicked] = useState<number[]>(monitor?.channelIds ?? []);
  const [error, setError] = useState("");
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const save = async () => {
    const filter: MonitorFilter = {};
    if (form.operation) filter.operation = form.operation;
    if (form.model) filter.model = form.model;
    if (form.userId) filter.userId = form.userId;
    const tags = form.tags.split(",").map((t) => t.trim()).filter(Boolean);
    if (tags.length) filter.tags = tags;
    const attributes: Record<string, string> = {};
    for (const pair of form.attributes.split(",").map((a) => a.trim()).filter(Boolean)) {
      const eq = pair.indexOf("=");
      if (eq <= 0) { setError(`attribute '${pair}' must be name=value`); return; }
      attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (Object.keys(attributes).length) filter.attributes = attributes;
    const body: MonitorInput = {
      name: form.name,
      metric: form.metric as Monitor["metric"],
      filter,
      windowSeconds: Number(form.windowSeconds),
      comparison: form.comparison as Monitor["comparison"],
      threshold: form.threshold.trim() === "" ? undefined : Number(form.threshold),
      channelIds: picked,
    };
    try {
      if (monitor) await monitors.update(monitor.id, body);
      else await monitors.create(body);
      onDone(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const windows = WINDOWS.some((w) => String(w.seconds) === form.windowSeconds)
    ? WINDOWS : [...WINDOWS, { seconds: Number(form.windowSeconds), label: windowLabel(Number(form.windowSeconds)) }];
  return (
    <div className="card form" data-testid="monitor-form">
      <div className="config-row">
        <label>Name<input aria-label="Monitor name" value={form.name} onChange={set("name")} /></label>
        <label>Metric<select aria-label="Metric" value={form.metric} onChange={set("metric")}>
          {METRICS.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}</select></label>
        <label>Window<select aria-label="Window" value={form.windowSeconds} onChange={set("windowSeconds")}>
          {windows.map((w) => <option key={w.seconds} value={String(w.seconds)}>{w.label}</option>)}</select></label>
        <label>Fires when<select aria-label="Comparison" value={form.comparison} onChange={set("comparison")}>
          <option value="above">above</option><option value="below">below</option></select></label>
        <label>Threshold<input aria-label="Threshold" inputMode="decimal" value={form.threshold} onChange={set("threshold")} /></label>
      </div>
      {form.metric !== "findings" && (
        <div className="config-row">
          <label>Operation<input aria-label="Operation" value={form.operation} onChange={set("operation")} /></label>
          <label>Model<input aria-label="Model" value={form.model} onChange={set("model")} /></label>
          <label>User id<input aria-label="User id" value={form.userId} onChange={set("userId")} /></label>
          <label>Tags<input aria-label="Tags" placeholder="prod, eu" value={form.tags} onChange={set("tags")} /></label>
          <label>Attributes<input aria-label="Attributes" placeholder="team=search" value={form.attributes} onChange={set("attributes")} /></label>
        </div>
      )}
      <fieldset className="config-row" data-testid="monitor-channels">
        <legend className="small-text">Notify (none ticked: every channel of the project)</legend>
        {(channels.data?.channels ?? []).map((c) => (
          <label key={c.id} className="inline">
            <input type="checkbox" checked={picked.includes(c.id)}
              onChange={(e) => setPicked(e.target.checked ? [...picked, c.id] : picked.filter((id) => id !== c.id))} />
            {c.name} <span className="muted">({c.kind})</span>
          </label>
        ))}
        {channels.data && channels.data.channels.length === 0 && <span className="muted small-text">No channels yet.</span>}
      </fieldset>
      <ErrorBanner error={error} />
      <div className="actions">
        <button className="primary" onClick={() => void save()}>Save monitor</button>
        <button onClick={() => onDone(false)}>Cancel</button>
      </div>
    </div>
  );
}
