import { memo } from "react";
import { fmtMs } from "../lib/format";
import { isBlocked } from "../lib/governai";
import type { WaterfallRow } from "../lib/spanTree";

/** The span tree as a waterfall: one row per span, bars placed by start and duration. */
export function Waterfall(props: {
  rows: WaterfallRow[];
  totalMs: number;
  selected: string;
  collapsed: Set<string>;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
}) {
  const ticks = [0, 0.5, 1];
  return (
    <div className="waterfall" data-testid="waterfall">
      <div className="wf-head">
        <div className="wf-name">Span</div>
        <div className="wf-track">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${t * 100}%` }} className={t === 1 ? "last" : ""}>{fmtMs(props.totalMs * t)}</span>
          ))}
        </div>
        <div className="wf-dur">Duration</div>
      </div>
      <div className="wf-body">
        {props.rows.map((r) => (
          <Row key={r.span.spanId} row={r} totalMs={props.totalMs} selected={props.selected === r.span.spanId}
            collapsed={props.collapsed.has(r.span.spanId)} onSelect={props.onSelect} onToggle={props.onToggle} />
        ))}
      </div>
    </div>
  );
}

const Row = memo(function Row(props: {
  row: WaterfallRow; totalMs: number; selected: boolean; collapsed: boolean;
  onSelect: (id: string) => void; onToggle: (id: string) => void;
}) {
  const { span, depth, childCount, offsetMs } = props.row;
  const left = Math.min(100, (offsetMs / props.totalMs) * 100);
  const width = Math.max(0.3, Math.min(100 - left, ((span.latencyMs ?? 0) / props.totalMs) * 100));
  const cls = ["wf-row", props.selected ? "selected" : "", span.status === "error" ? "error" : ""].join(" ");
  return (
    <div className={cls} onClick={() => props.onSelect(span.spanId)} data-span-id={span.spanId} role="button" tabIndex={0}
      onKeyDown={(e) => { if (e.key === "Enter") props.onSelect(span.spanId); }}>
      <div className="wf-name" style={{ paddingLeft: 6 + depth * 14 }}>
        {childCount > 0 ? (
          <button className="twisty" aria-label={props.collapsed ? "Expand" : "Fold"}
            onClick={(e) => { e.stopPropagation(); props.onToggle(span.spanId); }}>{props.collapsed ? "▸" : "▾"}</button>
        ) : <span className="twisty-space" />}
        <span className={`kind kind-${span.kind}`}>{span.kind}</span>
        <span className="wf-label" title={span.name}>{span.name}</span>
        {span.status === "error" && <span className="status status-error">error</span>}
        {isBlocked(span) && <span className="governai-mark blocked">blocked</span>}
      </div>
      <div className="wf-track">
        <div className={`wf-bar ${span.llmSpan ? "llm" : ""}`} style={{ left: `${left}%`, width: `${width}%` }} />
      </div>
      <div className="wf-dur">{fmtMs(span.latencyMs)}</div>
    </div>
  );
});
