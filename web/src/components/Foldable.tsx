import { useState } from "react";
import { CopyButton } from "./CopyButton";

const FOLD_CHARS = 600;

/** A block of text (prompt, completion) that folds when long, with a copy button. */
export function Foldable({ title, text, testId }: { title: string; text: string | null | undefined; testId?: string }) {
  const [open, setOpen] = useState(false);
  if (text === null || text === undefined) {
    return (
      <section className="textblock">
        <header><strong>{title}</strong></header>
        <p className="muted">Not recorded.</p>
      </section>
    );
  }
  const long = text.length > FOLD_CHARS || text.split("\n").length > 12;
  const shown = long && !open ? text.slice(0, FOLD_CHARS).split("\n").slice(0, 12).join("\n") + " …" : text;
  return (
    <section className="textblock">
      <header>
        <strong>{title}</strong>
        <span className="muted small-text">{text.length.toLocaleString()} chars</span>
        <CopyButton text={text} />
      </header>
      <pre data-testid={testId}>{shown}</pre>
      {long && (
        <button type="button" className="link" onClick={() => setOpen(!open)}>
          {open ? "Fold" : "Show all"}
        </button>
      )}
    </section>
  );
}
