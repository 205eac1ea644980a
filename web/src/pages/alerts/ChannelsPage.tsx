import { useState } from "react";
import { channels } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { NotificationChannel, NotificationChannelChange, NotificationChannelInput } from "../../api/types";
import { CopyButton } from "../../components/CopyButton";
import { ErrorBanner } from "../../components/ErrorBanner";
import { fmtTime } from "../../lib/format";
import { errorText, useAsync } from "../../lib/useAsync";

/** Webhook and Slack channels that hear of crossed budgets, each with its delivery attempts. */
export function ChannelsPage() {
  const { can } = useSession();
  const admin = can("alerts:manage");
  const list = useAsync(() => channels.list(), []);
  const [open, setOpen] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [error, setError] = useState("");
  const act = async (run: () => Promise<unknown>) => {
    try {
      await run();
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="channels-page">
      <div className="page-head"><h1>Notification channels <span className="muted small-text">Alerts</span></h1></div>
      <p className="muted">A webhook gets a JSON payload signed with its secret (<code>X-StackLens-Signature</code>);
        a Slack channel gets Slack's incoming-webhook text. Failed deliveries are tried again after 1, 2, 4 and 8 s.</p>
      {admin && <ChannelForm onCreated={(c) => { if (c.secret) setSecret({ name: c.name, secret: c.secret }); list.reload(); }} />}
      {admin && editing && list.data?.channels.find((c) => c.name === editing) && (
        <ChannelEditForm key={editing} channel={list.data.channels.find((c) => c.name === editing)!}
          onCancel={() => setEditing(null)}
          onSaved={(c) => {
            setEditing(null);
            if (open === editing) setOpen(c.name);
            setSecret(c.secret ? { name: c.name, secret: c.secret } : null);
            list.reload();
          }} />
      )}
      {secret && (
        <p className="notice" data-testid="channel-secret">Signing secret of {secret.name}, shown once:{" "}
          <code>{secret.secret}</code> <CopyButton text={secret.secret} /></p>
      )}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && list.data.channels.length === 0 && <div className="empty" data-testid="no-channels"><h2>No channels yet</h2></div>}
      {list.data && list.data.channels.length > 0 && (
        <div className="card table-card">
          <table data-testid="channels-table">
            <thead><tr><th>Name</th><th>Kind</th><th>URL</th><th>Created</th><th /></tr></thead>
            <tbody>
              {list.data.channels.map((c) => (
                <tr key={c.name} data-channel={c.name}>
                  <td><strong>{c.name}</strong></td>
                  <td>{c.kind}</td>
                  <td className="small-text"><code>{c.urlHint}</code></td>
                  <td className="small-text">{fmtTime(c.createdAt)}</td>
                  <td className="nowrap"><span className="actions">
                    <button className="small" onClick={() => setOpen(open === c.name ? null : c.name)}>Deliveries</button>
                    {admin && <button className="small" onClick={() => void act(async () => { await channels.test(c.name); setOpen(c.name); })}>Send test</button>}
                    {admin && <button className="small" onClick={() => setEditing(c.name)}>Edit</button>}
                    {admin && <button className="danger small" onClick={() => void act(() => channels.remove(c.name))}>Delete</button>}
                  </span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <Deliveries key={open} name={open} />}
    </div>
  );
}

function Deliveries({ name }: { name: string }) {
  const list = useAsync(() => channels.deliveries(name), [name]);
  return (
    <div className="card table-card" data-testid="deliveries">
      <div className="page-head"><h2>Deliveries of {name}</h2><button className="small" onClick={list.reload}>Refresh</button></div>
      <ErrorBanner error={list.error} />
      {list.data && list.data.deliveries.length === 0 && <p className="muted">Nothing sent yet.</p>}
      {list.data && list.data.deliveries.length > 0 && (
        <table>
          <thead><tr><th>When</th><th>Event</th><th>Attempt</th><th>Status</th><th>Answer</th><th>Error</th></tr></thead>
          <tbody>
            {list.data.deliveries.map((d) => (
              <tr key={d.id} data-delivery={d.status} data-event={d.event}>
                <td className="small-text">{fmtTime(d.createdAt)}</td>
                <td>{d.event}</td>
                <td className="num">{d.attempt}</td>
                <td><span className={`status ${d.status === "delivered" ? "status-ok" : "status-error"}`}>{d.status}</span></td>
                <td className="num">{d.statusCode ?? "—"}</td>
                <td className="small-text">{d.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ChannelForm({ onCreated }: { onCreated: (c: NotificationChannel) => void }) {
  const [form, setForm] = useState<NotificationChannelInput>({ name: "", kind: "webhook", url: "" });
  const [error, setError] = useState("");
  const save = async () => {
    try {
      onCreated(await channels.create(form));
      setForm({ name: "", kind: "webhook", url: "" });
      setError("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="card form" data-testid="channel-form">
      <div className="config-row">
        <label>Name<input aria-label="Channel name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>Kind<select aria-label="Kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as NotificationChannelInput["kind"] })}>
          <option value="webhook">webhook (signed JSON)</option><option value="slack">Slack incoming webhook</option></select></label>
        <label>URL<input aria-label="URL" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} /></label>
      </div>
      <ErrorBanner error={error} />
      <button className="primary" onClick={() => void save()}>Add channel</button>
    </div>
  );
}

/** Changes only what was edited: the name, the URL (stored whole but shown only as its origin, so
 * it is typed again to change it), or a webhook's secret, answered once. */
function ChannelEditForm({ channel, onSaved, onCancel }:
  { channel: NotificationChannel; onSaved: (c: NotificationChannel) => void; onCancel: () => void }) {
  const [name, setName] = useState(channel.name);
  const [url, setUrl] = useState("");
  const [rotate, setRotate] = useState(false);
  const [error, setError] = useState("");
  const save = async () => {
    const change: NotificationChannelChange = {};
    if (name !== channel.name) change.name = name;
    if (url) change.url = url;
    if (rotate) change.rotateSecret = true;
    try {
      onSaved(await channels.update(channel.name, change));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="card form" data-testid="channel-edit-form">
      <h2>Edit {channel.name}</h2>
      <div className="config-row">
        <label>Name<input aria-label="New channel name" value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>URL<input aria-label="New URL" placeholder={`${channel.urlHint} (unchanged)`} value={url}
          onChange={(e) => setUrl(e.target.value)} /></label>
        {channel.kind === "webhook" && (
          <label className="check"><input type="checkbox" aria-label="Rotate signing secret" checked={rotate}
            onChange={(e) => setRotate(e.target.checked)} /> New signing secret</label>
        )}
      </div>
      <ErrorBanner error={error} />
      <span className="actions">
        <button className="primary" onClick={() => void save()}>Save</button>
        <button onClick={onCancel}>Cancel</button>
      </span>
    </div>
  );
}
