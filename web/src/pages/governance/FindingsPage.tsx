import { BarList } from "../../charts/BarList";
import { LineChart } from "../../charts/LineChart";
import { governai } from "../../api/endpoints";
import type { Findings } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { TimeRangePicker } from "../../components/TimeRangePicker";
import { fmtCompact } from "../../lib/format";
import { navigate, useLocation } from "../../lib/router";
import { isoSeconds, rangeFromQuery } from "../../lib/timeRange";
import { useAsync } from "../../lib/useAsync";

const POLICY_COLORS: Record<string, string> = { redact: "#c7841a", block: "#d64545", allow: "#0f9d8a" };

/** Every bucket of the range, each policy's count per bucket (zeros where nothing was found). */
function series(data: Findings, from: Date, to: Date) {
  const step = data.interval * 1000;
  const start = from.getTime();
  const n = Math.max(1, Math.ceil((to.getTime() - start) / step));
  const times = Array.from({ length: n }, (_, i) => start + i * step);
  const policies = [...new Set(data.buckets.map((b) => b.policy))].sort();
  const values = policies.map(() => new Array<number>(n).fill(0));
  for (const b of data.buckets) {
    const i = Math.min(n - 1, Math.max(0, Math.round((new Date(b.time).getTime() - start) / step)));
    values[policies.indexOf(b.policy)][i] += b.count;
  }
  return { times, lines: policies.map((p, k) => ({ label: p, color: POLICY_COLORS[p] ?? "#2f5bea", values: values[k] })) };
}

/** Personal data GovernAI acted on over time, by policy and by type (from the audit log). */
export function FindingsPage() {
  const { query } = useLocation();
  const range = rangeFromQuery(query, "7d");
  const key = `${range.id}|${query.get("from")}|${query.get("to")}`;
  const data = useAsync(() => governai.findings({ from: isoSeconds(range.from), to: isoSeconds(range.to, true) }), [key]);
  const setRange = (q: Record<string, string>) => navigate(`/governance?${new URLSearchParams(q).toString()}`);
  const d = data.data;
  const chart = d ? series(d, range.from, range.to) : null;
  const byType = new Map<string, number>();
  for (const b of d?.buckets ?? []) byType.set(`${b.type} (${b.policy})`, (byType.get(`${b.type} (${b.policy})`) ?? 0) + b.count);
  const total = (d?.buckets ?? []).reduce((n, b) => n + b.count, 0);
  return (
    <div className="page" data-testid="findings-page">
      <div className="page-head">
        <h1>Personal data found</h1>
        <TimeRangePicker range={range} onPreset={(id) => setRange({ range: id })}
          onCustom={(from, to) => setRange({ from: from.toISOString(), to: to.toISOString() })} />
      </div>
      <p className="muted">Every value GovernAI redacted or blocked at ingest is in the audit log (never the value
        itself); allowed findings are only counted in the server's metrics.</p>
      <ErrorBanner error={data.error} onRetry={data.reload} />
      {d && chart && (
        <>
          <p data-testid="findings-total"><strong>{fmtCompact(total)}</strong> findings acted on in this range.</p>
          <LineChart title="Findings by policy" testId="chart-findings" times={chart.times} format={fmtCompact}
            series={chart.lines} />
          <div className="card">
            <BarList title="By type and policy" format={fmtCompact} empty="Nothing found in this range."
              rows={[...byType.entries()].sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }))} />
          </div>
        </>
      )}
    </div>
  );
}
