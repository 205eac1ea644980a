import { useState } from "react";
import { governai } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { OperatorStatements, TransparencyReport, UsageVolume } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { TimeRangePicker } from "../../components/TimeRangePicker";
import { fmtCost, fmtInt, fmtTime } from "../../lib/format";
import { navigate, useLocation } from "../../lib/router";
import { isoSeconds, rangeFromQuery } from "../../lib/timeRange";
import { errorText, useAsync } from "../../lib/useAsync";

const STATEMENTS: { key: keyof Omit<OperatorStatements, "updatedBy" | "updatedAt">; label: string; hint: string }[] = [
  { key: "intendedPurpose", label: "Intended purpose", hint: "What the AI system is for, and for whom" },
  { key: "providerContact", label: "Provider contact", hint: "Who deploys it and how to reach them" },
  { key: "humanOversight", label: "Human oversight measures", hint: "Who reviews outputs, when, and how they can intervene" },
  { key: "knownLimitations", label: "Known limitations", hint: "Accuracy, foreseeable misuse, circumstances where it fails" },
];

/** The EU AI Act Article 13 transparency report of a period, laid out to print to PDF from the browser. */
export function ReportPage() {
  const { can, project } = useSession();
  const admin = can("governai:manage");
  const { query } = useLocation();
  const range = rangeFromQuery(query, "30d");
  const key = `${range.id}|${query.get("from")}|${query.get("to")}`;
  const report = useAsync(() => governai.report(isoSeconds(range.from), isoSeconds(range.to, true)), [key]);
  const [editing, setEditing] = useState(false);
  const setRange = (q: Record<string, string>) => navigate(`/governance/report?${new URLSearchParams(q).toString()}`);
  const r = report.data;
  return (
    <div className="page report" data-testid="report-page">
      <div className="page-head no-print">
        <h1>Transparency report</h1>
        <TimeRangePicker range={range} onPreset={(id) => setRange({ range: id })}
          onCustom={(from, to) => setRange({ from: from.toISOString(), to: to.toISOString() })} />
        <button onClick={() => window.print()} disabled={!r} data-testid="report-print">Print / save as PDF</button>
      </div>
      <ErrorBanner error={report.error} onRetry={report.reload} />
      {admin && r && (editing
        ? <StatementsForm statements={r.operator} onDone={() => { setEditing(false); report.reload(); }} />
        : <p className="no-print"><button className="small" onClick={() => setEditing(true)}>Edit the operator's statements</button></p>)}
      {r && <Report report={r} project={project} />}
    </div>
  );
}

function StatementsForm({ statements, onDone }: { statements: OperatorStatements; onDone: () => void }) {
  const [draft, setDraft] = useState(() => Object.fromEntries(STATEMENTS.map((s) => [s.key, statements[s.key]])));
  const [error, setError] = useState("");
  const save = async () => {
    try {
      await governai.setOperator(draft);
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="card form no-print" aria-label="Operator statements" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      {STATEMENTS.map((s) => (
        <label key={s.key}>{s.label}
          <textarea name={s.key} rows={3} value={draft[s.key]} placeholder={s.hint}
            onChange={(e) => setDraft({ ...draft, [s.key]: e.target.value })} />
        </label>
      ))}
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="submit">Save statements</button>
        <button type="button" className="link" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function VolumeTable({ title, rows, testId }: { title: string; rows: UsageVolume[]; testId: string }) {
  return (
    <table data-testid={testId}>
      <thead><tr><th>{title}</th><th>Spans</th><th>Errors</th><th>Input tokens</th><th>Output tokens</th><th>Cost</th></tr></thead>
      <tbody>
        {rows.length === 0 && <tr><td colSpan={6} className="muted">None in this period.</td></tr>}
        {rows.map((v) => (
          <tr key={v.name}>
            <td>{v.name || <span className="muted">(not given)</span>}</td>
            <td>{fmtInt(v.spans)}</td><td>{fmtInt(v.errors)}</td>
            <td>{fmtInt(v.inputTokens)}</td><td>{fmtInt(v.outputTokens)}</td><td>{fmtCost(v.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Report({ report: r, project }: { report: TransparencyReport; project: string }) {
  const s = r.safeguards;
  const audit = s.auditLog;
  const ownPolicies = s.governai.policies.filter((p) => !p.default);
  return (
    <article className="report-body" data-testid="report">
      <header>
        <h2>EU AI Act Article 13: transparency information</h2>
        <p>Project <strong>{r.project || project}</strong>, {fmtTime(r.from)} to {fmtTime(r.to)}.
          Generated {fmtTime(r.generatedAt)} by StackLens from the recorded data.</p>
      </header>
      <section>
        <h3>1. The system and its operator</h3>
        <dl className="statements" data-testid="report-statements">
          {STATEMENTS.map((st) => (
            <div key={st.key}>
              <dt>{st.label}</dt>
              <dd>{r.operator[st.key] || <span className="muted">Not stated yet.</span>}</dd>
            </div>
          ))}
        </dl>
        {r.operator.updatedAt && <p className="muted small-text">Stated by {r.operator.updatedBy}, {fmtTime(r.operator.updatedAt)}.</p>}
      </section>
      <section>
        <h3>2. Models and providers used</h3>
        <p>{fmtInt(r.usage.totals.spans)} model calls, {fmtInt(r.usage.totals.inputTokens)} input and{" "}
          {fmtInt(r.usage.totals.outputTokens)} output tokens, {fmtCost(r.usage.totals.costUsd)}.</p>
        <VolumeTable title="Model" rows={r.usage.models} testId="report-models" />
        <VolumeTable title="Provider" rows={r.usage.providers} testId="report-providers" />
      </section>
      <section className="page-break">
        <h3>3. Operations</h3>
        <VolumeTable title="Operation" rows={r.usage.operations} testId="report-operations" />
      </section>
      <section>
        <h3>4. Personal data detected and how it was handled</h3>
        <table data-testid="report-personal-data">
          <thead><tr><th>Category</th><th>Policy applied</th><th>Occurrences</th></tr></thead>
          <tbody>
            {r.personalData.length === 0 && <tr><td colSpan={3} className="muted">None redacted or blocked in this period.</td></tr>}
            {r.personalData.map((p) => (
              <tr key={`${p.type}-${p.policy}`}><td>{p.type}</td><td>{p.policy}</td><td>{fmtInt(p.count)}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="page-break">
        <h3>5. Safeguards in place</h3>
        <dl className="statements">
          <div><dt>Personal data policies</dt><dd>
            {s.governai.enabled ? "Every span is scanned at ingest. " : "Scanning at ingest is switched off on this server. "}
            {ownPolicies.length > 0 && <>The project's own policies: {ownPolicies.map((p) => `${p.type} ${p.action}`).join(", ")}. </>}
            {ownPolicies.length < s.governai.policies.length && <>{ownPolicies.length ? "Every other type" : "Every type"} takes
              its default: {s.governai.policies.filter((p) => p.default).map((p) => `${p.type} ${p.action}`).join(", ")}.</>}
          </dd></div>
          <div><dt>Encryption at rest</dt><dd>{s.encryptionAtRest}.</dd></div>
          <div><dt>Access control and roles</dt><dd>
            {s.accessControl.members.admin} admin(s), {s.accessControl.members.member} member(s),{" "}
            {s.accessControl.members.viewer} viewer(s); {s.accessControl.activeApiKeys} active API key(s).{" "}
            {s.accessControl.description}.
          </dd></div>
          <div><dt>Retention</dt><dd>Spans: {s.retention.spans}. Audit log: {s.retention.auditLog}.</dd></div>
          <div><dt>Audit log integrity</dt><dd data-testid="report-integrity">
            {audit.intact
              ? <>Verified intact at {fmtTime(audit.checkedAt)}: {fmtInt(audit.entries ?? 0)} hash-chained entries,
                  signed (Ed25519) through entry {fmtInt(audit.signedThrough ?? 0)}.</>
              : <strong className="danger-text">NOT intact at {fmtTime(audit.checkedAt)}: {audit.problem}</strong>}
          </dd></div>
        </dl>
      </section>
    </article>
  );
}
