import { useState } from "react";
import { connections, evaluators } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { Evaluator } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { describeOutput, EvaluatorForm } from "../../components/evaluations/EvaluatorForm";
import { TryEvaluator } from "../../components/evaluations/TryEvaluator";
import { fmtRelative, fmtTime } from "../../lib/format";
import { Link } from "../../lib/router";
import { errorText, useAsync } from "../../lib/useAsync";

/** LLM-as-judge evaluators: a template, a model connection and the score the judge must give. */
export function EvaluatorsPage() {
  const { can } = useSession();
  const editable = can("evaluations:write");
  const data = useAsync(async () => {
    const [list, templates, conns] = await Promise.all([evaluators.list(), evaluators.templates(), connections.list()]);
    return { evaluators: list.evaluators, templates: templates.templates, connections: conns.connections.map((c) => c.name) };
  }, []);
  const [editing, setEditing] = useState<Evaluator | "new" | null>(null);
  const [trying, setTrying] = useState<Evaluator | null>(null);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  const done = (what: string) => {
    setEditing(null);
    if (!what) return;
    setNotice(what);
    data.reload();
  };
  const remove = async (e: Evaluator) => {
    if (!window.confirm(`Delete the evaluator ${e.name}? The scores it gave stay.`)) return;
    setError("");
    try {
      await evaluators.remove(e.name);
      if (trying?.name === e.name) setTrying(null);
      done(`Evaluator ${e.name} deleted.`);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const d = data.data;
  return (
    <div className="page" data-testid="evaluators-page">
      <div className="page-head">
        <h1>Evaluators <span className="muted small-text">Evaluations</span></h1>
        {editable && editing === null && d && <button className="primary" onClick={() => { setNotice(""); setEditing("new"); }}>New evaluator</button>}
      </div>
      <p className="muted">An evaluator asks a model (the judge) to score a span's output: its template is filled with the span's
        input, output, expected output, context or attributes, and the judge answers a score of the declared kind and its
        reasoning, which becomes the score's comment.</p>
      {d && d.connections.length === 0 && (
        <p className="notice" data-testid="no-connection">A judge is called through a model connection: <Link to="/evaluations/connections">add one</Link>{" "}
          (admins) before creating evaluators.</p>
      )}
      <ErrorBanner error={data.error || error} onRetry={data.error ? data.reload : undefined} />
      {notice && <div className="notice ok" role="status" data-testid="notice">{notice}</div>}
      {editable && d && editing !== null && (
        <EvaluatorForm key={editing === "new" ? "new" : editing.name} editing={editing === "new" ? null : editing}
          templates={d.templates} connections={d.connections} onDone={done} />
      )}
      {data.loading && !d && <p className="muted">Loading evaluators…</p>}
      {d && d.evaluators.length === 0 && editing === null && (
        <div className="empty" data-testid="no-evaluators">
          <h2>No evaluators yet</h2>
          <p>Start from a ready template (correctness, relevance, toxicity, hallucination) and edit it.</p>
        </div>
      )}
      {d && d.evaluators.length > 0 && (
        <div className="card table-card">
          <table data-testid="evaluators-table">
            <thead><tr><th>Evaluator</th><th>Score</th><th>Connection</th><th>Model</th><th>Updated</th><th /></tr></thead>
            <tbody>
              {d.evaluators.map((e) => (
                <tr key={e.name} data-evaluator={e.name}>
                  <td><strong>{e.name}</strong>{e.description && <div className="muted small-text">{e.description}</div>}</td>
                  <td data-testid="evaluator-output">{describeOutput(e.output)}</td>
                  <td>{e.connection}</td>
                  <td>{e.model ?? <span className="muted">default</span>}</td>
                  <td className="muted" title={fmtTime(e.updatedAt)}>{fmtRelative(e.updatedAt)} by {e.createdBy}</td>
                  <td className="nowrap">{editable && (
                    <span className="actions">
                      <button className="small" onClick={() => setTrying(e)}>Try</button>
                      <button className="small" onClick={() => { setNotice(""); setEditing(e); }}>Edit</button>
                      <button className="danger small" onClick={() => void remove(e)}>Delete</button>
                    </span>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && trying && <TryEvaluator key={trying.name} evaluator={trying} onClose={() => setTrying(null)} />}
    </div>
  );
}
