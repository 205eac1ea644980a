import { useMemo } from "react";
import { diffLines } from "../lib/diff";

export function DiffView({ before, after }: { before: string; after: string }) {
  const lines = useMemo(() => diffLines(before, after), [before, after]);
  const added = lines.filter((l) => l.kind === "added").length;
  const removed = lines.filter((l) => l.kind === "removed").length;
  return (
    <div className="diff" data-testid="diff">
      <div className="muted small-text">{added} line{added === 1 ? "" : "s"} added, {removed} removed</div>
      <pre>
        {lines.map((l, i) => (
          <div key={i} className={`diff-${l.kind}`}>
            <span className="diff-mark">{l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}</span>{l.text || " "}
          </div>
        ))}
      </pre>
    </div>
  );
}
