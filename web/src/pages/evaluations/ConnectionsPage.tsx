import { useState } from "react";
import { connections } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { ModelConnection } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { ConnectionForm } from "../../components/evaluations/ConnectionForm";
import { ConnectionTestResult, type TestOutcome } from "../../components/evaluations/ConnectionTestResult";
import { fmtCost, fmtInt, fmtMs } from "../../lib/format";
import { errorText, useAsync } from "../../lib/useAsync";

/** The project's model connections: what the server calls for judges and experiments, and this month's spend. */
export function ConnectionsPage() {
  const { can } = useSession();
  const admin = can("connections:manage");
  const tester = can("evaluations:write");
  const list = useAsync(() => connections.list(), []);
  const [editing, setEditing] = useState<ModelConnection | "new" | null>(null);
  const [error, setError] = useState("");
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const remove = async (c: ModelConnection) => {
    if (!window.confirm(`Delete the connection ${c.name}? Its key and this month's spend record go with it.`)) return;
    try {
      await connections.remove(c.name);
      if (outcome?.name === c.name) setOutcome(null);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const test = async (c: ModelConnection) => {
    setOutcome({ name: c.name, running: true });
    try {
      setOutcome({ name: c.name, answer: await connections.test(c.name) });
    } catch (err) {
      setOutcome({ name: c.name, error: errorText(err) });
    }
    list.reload();
  };
  return (
    <div className="page" data-testid="connections-page">
      <div className="page-head">
        <h1>Model connections <span className="muted small-text">Evaluations</span></h1>
        {admin && editing === null && <button className="primary" onClick={() => setEditing("new")}>Add connection</button>}
      </div>
      <p className="muted">The providers the server itself calls, for LLM-as-judge evaluators and experiments: an
        OpenAI-compatible chat completions API (OpenAI, Azure OpenAI, vLLM, Ollama, LiteLLM…) or Anthropic's messages API.
        Every call is recorded as a trace of this project, so its cost shows like any other.</p>
      {!admin && <p className="notice" data-testid="connections-read-only">Only admins add, change or delete connections; you can
        read them{tester ? " and test them" : ""}.</p>}
      {admin && editing !== null && (
        <ConnectionForm key={editing === "new" ? "new" : editing.name} editing={editing === "new" ? null : editing}
          onDone={(saved) => { setEditing(null); if (saved) list.reload(); }} />
      )}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.loading && !list.data && <p className="muted">Loading connections…</p>}
      {list.data && list.data.connections.length === 0 && (
        <div className="empty" data-testid="no-connections">
          <h2>No model connections yet</h2>
          <p>{admin ? "Add one with the provider's base URL and API key." : "An admin of the project adds them."}</p>
        </div>
      )}
      {list.data && list.data.connections.length > 0 && (
        <div className="card table-card">
          <table data-testid="connections-table">
            <thead>
              <tr><th>Name</th><th>Provider</th><th>Base URL</th><th>Default model</th><th>Key</th><th>This month</th>
                <th className="num">Calls</th><th>Limits</th><th /></tr>
            </thead>
            <tbody>
              {list.data.connections.map((c) => (
                <tr key={c.name} data-connection={c.name}>
                  <td><strong>{c.name}</strong><div className="muted small-text">by {c.createdBy}</div></td>
                  <td>{c.provider}</td>
                  <td className="small-text"><code>{c.baseUrl}</code></td>
                  <td className="nowrap">{c.defaultModel}</td>
                  <td className="nowrap"><code data-testid="key-hint">{c.keyHint}</code></td>
                  <td><Spend c={c} /></td>
                  <td className="num" data-testid="calls">{fmtInt(c.callsThisMonth)}</td>
                  <td className="muted small-text">{c.maxConcurrency} at once<br />{fmtMs(c.timeoutMs)} timeout</td>
                  <td className="nowrap">
                    <span className="actions">
                      {tester && <button className="small" disabled={outcome !== null && "running" in outcome}
                        onClick={() => void test(c)}>Test</button>}
                      {admin && <button className="small" onClick={() => setEditing(c)}>Edit</button>}
                      {admin && <button className="danger small" onClick={() => void remove(c)}>Delete</button>}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {outcome && <ConnectionTestResult outcome={outcome} />}
    </div>
  );
}

/** This calendar month's spend, against the monthly cap when there is one. */
function Spend({ c }: { c: ModelConnection }) {
  const cap = c.monthlyBudgetUsd;
  const percent = cap ? Math.min(100, Math.round((c.spentThisMonthUsd / cap) * 100)) : cap === 0 ? 100 : 0;
  return (
    <div data-testid="spend" className="spend">
      <span data-testid="spent">{fmtCost(c.spentThisMonthUsd)}</span>
      <span className="muted">{cap === null ? " · no cap" : ` of ${fmtCost(cap)}`}</span>
      {cap !== null && (
        <div className="progress" role="progressbar" aria-label={`Spend against the monthly cap of ${c.name}`}
          aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className={`progress-fill${percent >= 100 ? " failed" : ""}`} style={{ width: `${percent}%` }} />
        </div>
      )}
    </div>
  );
}
