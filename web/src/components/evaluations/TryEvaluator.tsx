import { useState, type FormEvent } from "react";
import { evaluators } from "../../api/endpoints";
import type { Evaluator, EvaluatorRun, JudgeValues } from "../../api/types";
import { fmtCost } from "../../lib/format";
import { Link } from "../../lib/router";
import { errorText } from "../../lib/useAsync";
import { ErrorBanner } from "../ErrorBanner";

const FIELDS: { key: keyof JudgeValues; label: string }[] = [
  { key: "input", label: "Input" },
  { key: "output", label: "Output" },
  { key: "expected", label: "Expected output" },
  { key: "context", label: "Context" },
];

/** A dry run: the judge asked about values typed here; its verdict or its error is shown, nothing stored. */
export function TryEvaluator({ evaluator, onClose }: { evaluator: Evaluator; onClose: () => void }) {
  const [values, setValues] = useState<JudgeValues>({});
  const [verdict, setVerdict] = useState<EvaluatorRun | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const used = FIELDS.filter((f) => evaluator.template.includes(`{{${f.key}}}`));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    setVerdict(null);
    try {
      setVerdict(await evaluators.tryOn(evaluator.name, values));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Try evaluator" data-testid="try-evaluator">
      <h3>Try {evaluator.name} <span className="muted small-text">a dry run: the judge is called, nothing is stored</span></h3>
      <div className="config-row">
        {(used.length ? used : FIELDS).map((f) => (
          <label key={f.key} className="grow">{f.label}
            <textarea name={`try-${f.key}`} rows={3} value={values[f.key] ?? ""}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} />
          </label>
        ))}
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>{busy ? "Asking the judge…" : "Run the judge"}</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
      <ErrorBanner error={error} />
      {verdict && (
        <div className="notice ok" data-testid="verdict">
          <div><strong>Score: <span data-testid="verdict-value">{String(verdict.value)}</span></strong>
            <span className="muted small-text"> ({verdict.dataType})</span></div>
          <div data-testid="verdict-reasoning">{verdict.reasoning}</div>
          <div className="muted small-text">Judge's call: {fmtCost(verdict.costUsd)}
            {verdict.judgeTraceId && <> · <Link to={`/traces/${encodeURIComponent(verdict.judgeTraceId)}`}>its trace →</Link></>}</div>
        </div>
      )}
    </form>
  );
}
