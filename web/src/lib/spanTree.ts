// The span tree flattened into waterfall rows (depth-first, children by start time).
import type { Span, SpanNode } from "../api/types";

export interface WaterfallRow { span: Span; depth: number; childCount: number; offsetMs: number }

const ms = (iso: string) => new Date(iso).getTime() + (Number(iso.match(/\.\d{3}(\d{3})/)?.[1] ?? 0) / 1000);

export function traceBounds(spans: Span[]): { start: number; total: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    const a = ms(s.startTime);
    start = Math.min(start, a);
    end = Math.max(end, s.endTime ? ms(s.endTime) : a + (s.latencyMs ?? 0));
  }
  if (!Number.isFinite(start)) return { start: 0, total: 1 };
  return { start, total: Math.max(end - start, 0.001) };
}

export function flattenTree(tree: SpanNode[], collapsed: Set<string>, start: number): WaterfallRow[] {
  const rows: WaterfallRow[] = [];
  const byStart = (a: SpanNode, b: SpanNode) => ms(a.startTime) - ms(b.startTime);
  const stack: { node: SpanNode; depth: number }[] = [...tree].sort(byStart).reverse().map((node) => ({ node, depth: 0 }));
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    const children = node.children ?? [];
    rows.push({ span: node, depth, childCount: children.length, offsetMs: ms(node.startTime) - start });
    if (!collapsed.has(node.spanId)) {
      const sorted = [...children].sort(byStart);
      for (let i = sorted.length - 1; i >= 0; i--) stack.push({ node: sorted[i], depth: depth + 1 });
    }
  }
  return rows;
}
