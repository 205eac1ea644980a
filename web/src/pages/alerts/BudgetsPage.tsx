import { useState } from "react";
import { budgets } from "../../api/endpoints";
import { useSession } from "../../api/session";
import type { Budget, BudgetInput } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { fmtCost, fmtTime } from "../../lib/format";
import { errorText, useAsync } from "../../lib/useAsync";

/** The project's budgets: spend in the current UTC day or month against the soft and hard limits. */
export function BudgetsPage() {
  const { can } = useSession();
  const admin = can("alerts:manage");
  const list = useAsync(() => budgets.list(), []);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState("");
  const remove = async (b: Budget) => {
    if (!window.confirm(`Delete the budget ${b.name}?`)) return;
    try {
      await budgets.remove(b.name);
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="page" data-testid="budgets-page">
      <div className="page-head">
        <h1>Budgets <span className="muted small-text">Alerts</span></h1>
        {admin && !adding && <button className="primary" onClick={() => setAdding(true)}>Add budget</button>}
      </div>
      <p className="muted">Spend limits per UTC day or month on the whole project, a tag or a user id. Reaching the soft
        or hard limit notifies the project's channels once per period; applications ask{" "}
        <code>GET /api/v1/budgets/status</code> (the SDK's <code>budget_status()</code>) and stop at the hard limit.</p>
      {!admin && <p className="notice" data-testid="budgets-read-only">Only admins add or delete budgets.</p>}
      {adding && <BudgetForm onDone={(saved) => { setAdding(false); if (saved) list.reload(); }} />}
      <ErrorBanner error={list.error || error} onRetry={list.error ? list.reload : undefined} />
      {list.data && list.data.budgets.length === 0 && (
        <div className="empty" data-testid="no-budgets"><h2>No budgets yet</h2></div>
      )}
      {list.data && list.data.budgets.length > 0 && (
        <div className="card table-card">
          <table data-testid="budgets-table">
            <thead><tr><th>Name</th><th>Applies to</th><th>Period</th><th>Spend</th><th>State</th><th /></tr></thead>
            <tbody>
              {list.data.budgets.map((b) => (
                <tr key={b.name} data-budget={b.name}>
                  <td><strong>{b.name}</strong></td>
                  <td>{b.scope === "project" ? "the project" : `${b.scope} ${b.scopeValue}`}</td>
                  <td className="small-text">{b.period}<div className="muted">until {fmtTime(b.periodEnd)}</div></td>
                  <td><SpendBar b={b} /></td>
                  <td><span className={`status ${b.state === "ok" ? "status-ok" : "status-error"}`}
                    data-testid="budget-state">{b.state}</span></td>
                  <td>{admin && <button className="danger small" onClick={() => void remove(b)}>Delete</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** Spend as a bar up to the hard limit (or beyond it, capped), with the soft limit marked. */
function SpendBar({ b }: { b: Budget }) {
  const scale = Math.max(b.hardLimitUsd, b.spentUsd) || 1;
  const width = 240;
  const at = (usd: number) => Math.round((Math.min(usd, scale) / scale) * width);
  return (
    <div data-testid="budget-spend">
      <svg width={width} height={14} role="img" aria-label={`${b.name}: ${fmtCost(b.spentUsd)} of ${fmtCost(b.hardLimitUsd)}`}>
        <rect x={0} y={2} width={width} height={10} className="budget-track" />
        <rect x={0} y={2} width={at(b.spentUsd)} height={10}
          className={b.state === "hard" ? "budget-fill hard" : b.state === "soft" ? "budget-fill soft" : "budget-fill"} />
        {b.softLimitUsd !== null && <line data-testid="soft-mark" x1={at(b.softLimitUsd)} x2={at(b.softLimitUsd)} y1={0} y2={14} className="budget-mark" />}
        <line data-testid="hard-mark" x1={at(b.hardLimitUsd) - 1} x2={at(b.hardLimitUsd) - 1} y1={0} y2={14} className="budget-mark hard" />
      </svg>
      <div className="small-text">
        <span data-testid="budget-spent">{fmtCost(b.spentUsd)}</span>
        <span className="muted">{b.softLimitUsd !== null ? ` · soft ${fmtCost(b.softLimitUsd)}` : ""} · hard {fmtCost(b.hardLimitUsd)}</span>
      </div>
    </div>
  );
}

function BudgetForm({ onDone }: { onDone: (saved: boolean) => void }) {
  const [form, setForm] = useState({ name: "", period: "monthly", scope: "project", scopeValue: "", soft: "", hard: "" });
  const [error, setError] = useState("");
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const save = async () => {
    const body: BudgetInput = {
      name: form.name,
      period: form.period as BudgetInput["period"],
      scope: form.scope as BudgetInput["scope"],
      scopeValue: form.scope === "project" ? null : form.scopeValue,
      softLimitUsd: form.soft === "" ? null : Number(form.soft),
      hardLimitUsd: Number(form.hard),
    };
    try {
      await budgets.create(body);
      onDone(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="card form" data-testid="budget-form">
      <div className="config-row">
        <label>Name<input aria-label="Budget name" value={form.name} onChange={set("name")} /></label>
        <label>Period<select aria-label="Period" value={form.period} onChange={set("period")}>
          <option value="monthly">monthly</option><option value="daily">daily</option></select></label>
        <label>Applies to<select aria-label="Applies to" value={form.scope} onChange={set("scope")}>
          <option value="project">the project</option><option value="tag">a tag</option><option value="user">a user id</option></select></label>
        {form.scope !== "project" && <label>{form.scope === "tag" ? "Tag" : "User id"}
          <input aria-label="Scope value" value={form.scopeValue} onChange={set("scopeValue")} /></label>}
        <label>Soft limit (USD)<input aria-label="Soft limit" inputMode="decimal" value={form.soft} onChange={set("soft")} /></label>
        <label>Hard limit (USD)<input aria-label="Hard limit" inputMode="decimal" value={form.hard} onChange={set("hard")} /></label>
      </div>
      <ErrorBanner error={error} />
      <div className="actions">
        <button className="primary" onClick={() => void save()}>Save budget</button>
        <button onClick={() => onDone(false)}>Cancel</button>
      </div>
    </div>
  );
}
