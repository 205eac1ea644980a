import { useCallback, useMemo, useState } from "react";
import { scores, traces } from "../api/endpoints";
import { useSession } from "../api/session";
import { CopyButton } from "../components/CopyButton";
import { ErrorBanner } from "../components/ErrorBanner";
import { AddToDataset } from "../components/evaluations/AddToDataset";
import { ScorePanel } from "../components/ScorePanel";
import { SpanDetail } from "../components/SpanDetail";
import { Status, Tags } from "../components/Tags";
import { Waterfall } from "../components/Waterfall";
import { fmtCompact, fmtCost, fmtMs, fmtTime } from "../lib/format";
import { Link } from "../lib/router";
import { flattenTree, traceBounds } from "../lib/spanTree";
import { useAsync } from "../lib/useAsync";

export function TraceDetailPage({ traceId }: { traceId: string }) {
  const { can } = useSession();
  const trace = useAsync(() => traces.get(traceId), [traceId]);
  const configs = useAsync(() => scores.configs(), []);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState("");
  const t = trace.data;
  const bounds = useMemo(() => traceBounds(t?.spans ?? []), [t]);
  const rows = useMemo(() => (t ? flattenTree(t.tree, collapsed, bounds.start) : []), [t, collapsed, bounds]);
  const toggle = useCallback((id: string) => setCollapsed((c) => {
    const next = new Set(c);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  }), []);
  const current = t?.spans.find((s) => s.spanId === selected) ?? t?.spans.find((s) => s.spanId === rows[0]?.span.spanId);

  return (
    <div className="page" data-testid="trace-detail-page">
      <div className="crumbs"><Link to="/traces">← Traces</Link></div>
      <ErrorBanner error={trace.error} onRetry={trace.reload} />
      {trace.loading && !t && <p className="muted">Loading trace…</p>}
      {t && (
        <>
          <div className="page-head">
            <h1>{t.name} <Status status={t.status} /></h1>
            <div className="muted small-text">
              Trace <code>{t.traceId}</code> <CopyButton text={t.traceId} label="Copy ID" />
            </div>
          </div>
          <div className="summary-line">
            <span>{fmtTime(t.startTime)}</span>
            <span>{fmtMs(t.latencyMs)}</span>
            <span>{t.spanCount} spans</span>
            <span>{fmtCompact(t.inputTokens)} in / {fmtCompact(t.outputTokens)} out tokens</span>
            <span>{fmtCost(t.costUsd)}{t.unpricedSpans > 0 && ` + ${t.unpricedSpans} unpriced`}</span>
            <span>{t.models.join(", ")}</span>
            <Tags tags={t.tags} />
          </div>
          <div className="trace-split">
            <div className="card">
              <Waterfall rows={rows} totalMs={bounds.total} selected={current?.spanId ?? ""} collapsed={collapsed}
                onSelect={setSelected} onToggle={toggle} />
            </div>
            <div className="card">
              {current && can("evaluations:write") && <AddToDataset key={current.spanId} traceId={t.traceId} spanId={current.spanId} />}
              {current ? <SpanDetail span={current} /> : <p className="muted">Pick a span.</p>}
              {current && <ScorePanel traceId={t.traceId} spanId={current.spanId} scores={t.scores}
                configs={configs.data?.configs ?? []} onChanged={trace.reload} />}
            </div>
          </div>
          <div className="card">
            <ScorePanel traceId={t.traceId} scores={t.scores} configs={configs.data?.configs ?? []} onChanged={trace.reload} />
          </div>
        </>
      )}
    </div>
  );
}
