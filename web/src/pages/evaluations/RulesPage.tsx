import { useState } from "react";
import { evaluators, rules } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { EvalRule } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeFilter, RuleForm } from "../../components/evaluations/RuleForm";
import { RuleHistory } from "../../components/evaluations/RuleHistory";
import { fmtCost, fmtInt } from "../../lib/format";
import { Link } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";

const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** Evaluation rules: evaluators run in the background on new LLM spans, each verdict a score with source eval. */
export function RulesPage() {
  const { can } = useSession();
  const editable = can("evaluations:write");
  const data = useAsync(async () => {
    const [list, evs] = await Promise.all([rules.list(), evaluators.list()]);
    return { rules: list.rules, evaluators: evs.evaluators.map((e) => e.name) };
  }, []);
  const [editing, setEditing] = useState<EvalRule | "new" | null>(null);
  const [history, setHistory] = useState<EvalRule | null>(null);
  const [read, setRead] = useState<EvalRule | null>(null);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const done = (what: string) => {
    setEditing(null);
    if (!what) return;
    setNotice(what);
    setError("");
    data.reload();
  };
  const act = async (what: () => Promise<string>) => {
    setError("");
    setNotice("");
    try {
      setNotice(await what());
      data.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const remove = (r: EvalRule) => {
    if (!window.confirm(`Delete the rule ${r.name} and its history? The scores it gave stay.`)) return;
    void act(async () => {
      await rules.remove(r.id);
      if (history?.id === r.id) setHistory(null);
      return `Rule ${r.name} deleted.`;
    });
  };
  const d = data.data;
  return (
    <div className="page" data-testid="rules-page">
      <div className="page-head">
        <h1>Evaluation rules <span className="muted small-text">Evaluations</span></h1>
        {editable && editing === null && d && <button className="primary" onClick={() => { setNotice(""); setEditing("new"); }}>New rule</button>}
      </div>
      <p className="muted">A rule runs an evaluator on new LLM spans in the background: those its filter matches, a share of them
        (the same span always kept or always not), after a delay. Each verdict is a score on the span with source <code>eval</code>;
        failures are kept in the rule's history with why, and what the judge's calls cost.</p>
      {d && d.evaluators.length === 0 && (
        <p className="notice" data-testid="no-evaluator">A rule runs an evaluator: <Link to="/evaluations/evaluators">create one</Link> first.</p>
      )}
      <ErrorBanner error={data.error || error} onRetry={data.error ? data.reload : undefined} />
      {notice && <div className="notice ok" role="status" data-testid="notice">{notice}</div>}
      {editable && d && editing !== null && (
        <RuleForm key={editing === "new" ? "new" : editing.id} editing={editing === "new" ? null : editing}
          evaluators={d.evaluators} onDone={done} />
      )}
      {data.loading && !d && <p className="muted">Loading rules…</p>}
      {d && d.rules.length === 0 && editing === null && (
        <div className="empty" data-testid="no-rules">
          <h2>No rules yet</h2>
          <p>Judge live traffic: pick an evaluator, say which LLM spans (operation, model, tags, attributes) and how many of them.</p>
        </div>
      )}
      {d && d.rules.length > 0 && (
        <div className="card table-card">
          <table data-testid="rules-table">
            <thead><tr><th>Rule</th><th>Evaluator</th><th>Spans</th><th className="num">Sampling</th><th className="num">Delay</th>
              <th>State</th><th className="num">Runs</th><th className="num">Errors</th><th className="num">Spend</th><th /></tr></thead>
            <tbody>
              {d.rules.map((listed) => (read?.id === listed.id && read.totals.runs > listed.totals.runs ? { ...listed, totals: read.totals } : listed)).map((r) => (
                <tr key={r.id} data-rule={r.name} data-rule-id={r.id}>
                  <td><strong>{r.name}</strong></td>
                  <td>{r.evaluator}</td>
                  <td data-testid="rule-filter">{describeFilter(r.filter)}</td>
                  <td className="num" data-testid="rule-sampling">{pct(r.samplingRate)}</td>
                  <td className="num">{r.delaySeconds} s</td>
                  <td><span className={`status-pill ${r.paused ? "paused" : "running"}`} data-testid="rule-state">{r.paused ? "paused" : "running"}</span></td>
                  <td className="num" data-testid="rule-runs">{fmtInt(r.totals.runs)}</td>
                  <td className="num" data-testid="rule-errors">{fmtInt(r.totals.errors)}</td>
                  <td className="num" data-testid="rule-spend">{fmtCost(r.totals.costUsd)}</td>
                  <td className="nowrap">
                    <span className="actions">
                      <button className="small" onClick={() => setHistory(r)}>History</button>
                      {editable && (
                        <>
                          <button className="small" onClick={() => { setNotice(""); setEditing(r); }}>Edit</button>
                          {r.paused
                            ? <button className="small" onClick={() => void act(async () => `Rule ${(await rules.resume(r.id)).name} resumed.`)}>Resume</button>
                            : <button className="small" onClick={() => void act(async () => `Rule ${(await rules.pause(r.id)).name} paused.`)}>Pause</button>}
                          <button className="danger small" onClick={() => remove(r)}>Delete</button>
                        </>
                      )}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history && <RuleHistory key={history.id} rule={history} onRead={setRead} onClose={() => setHistory(null)} />}
    </div>
  );
}
