import type { Span } from "../api/types";
import { fmtCost, fmtInt, fmtMs, fmtTime } from "../lib/format";
import { governaiMarks, type FieldMarks } from "../lib/governai";
import { ChatOrText } from "./Conversation";
import { CopyButton } from "./CopyButton";
import { Status, Tags } from "./Tags";

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (<><dt>{label}</dt><dd>{children}</dd></>);
}

/** A badge saying GovernAI redacted or blocked this field, and for which types. */
function Mark({ field, redacted, blocked }: { field: string; redacted: FieldMarks; blocked: FieldMarks }) {
  const r = redacted.get(field);
  const b = blocked.get(field);
  return (
    <>
      {r && <span className="governai-mark redacted" data-testid={`redacted-${field}`}>redacted: {r.join(", ")}</span>}
      {b && <span className="governai-mark blocked" data-testid={`blocked-${field}`}>blocked: {b.join(", ")}</span>}
    </>
  );
}

const orDash = (v: unknown) => (v === null || v === undefined || v === "" ? <span className="muted">–</span> : String(v));

// Where a span's cost came from (the API's costSource).
const COST_SOURCES: Record<string, string> = {
  caller: "sent with the span",
  table: "from the price table",
  unpriced: "no price for this model",
  none: "no tokens",
};

export function SpanDetail({ span }: { span: Span }) {
  const llm = span.llmSpan;
  const attrs = Object.entries(span.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const { redacted, blocked } = governaiMarks(span);
  const marked = (field: string) => <Mark field={field} redacted={redacted} blocked={blocked} />;
  return (
    <div className="span-detail" data-testid="span-detail">
      <h2 title={span.name}>{span.name}</h2>
      {blocked.size > 0 && (
        <p className="error-banner" data-testid="span-blocked">GovernAI blocked this span: personal data was found in{" "}
          {[...blocked.entries()].map(([f, t]) => `${f} (${t.join(", ")})`).join(", ")}. Only this marker was stored:
          no text, attributes or events.</p>
      )}
      {redacted.size > 0 && (
        <p className="muted" data-testid="span-redacted">GovernAI replaced personal data with placeholders before storing:{" "}
          {[...redacted.entries()].map(([f, t]) => `${f} (${t.join(", ")})`).join(", ")}.</p>
      )}
      <dl className="fields">
        <Field label="Status"><Status status={span.status} /></Field>
        <Field label="Kind">{span.kind}</Field>
        <Field label="Started">{fmtTime(span.startTime)}</Field>
        <Field label="Duration">{fmtMs(span.latencyMs)}</Field>
        <Field label="Span ID"><code>{span.spanId}</code></Field>
        <Field label="Parent">{span.parentSpanId ? <code>{span.parentSpanId}</code> : <span className="muted">root</span>}</Field>
        <Field label="Tags"><Tags tags={span.tags} /></Field>
      </dl>
      {llm && (
        <>
          <h3>LLM call</h3>
          <dl className="fields" data-testid="llm-fields">
            <Field label="Model">{llm.model}</Field>
            <Field label="Provider">{llm.provider}</Field>
            <Field label="Tokens">{fmtInt(llm.inputTokens)} in / {fmtInt(llm.outputTokens)} out ({fmtInt(llm.totalTokens)} total)
              {(llm.cacheReadTokens > 0 || llm.cacheWriteTokens > 0 || llm.reasoningTokens > 0) && (
                <span className="muted"> · of which {fmtInt(llm.cacheReadTokens)} cache read, {fmtInt(llm.cacheWriteTokens)} cache
                  write, {fmtInt(llm.reasoningTokens)} reasoning</span>)}</Field>
            <Field label="Cost">
              <span data-testid="span-cost">{llm.costSource === "unpriced" ? "unknown" : fmtCost(llm.estimatedCostUsd)}</span>
              <span className="muted" data-testid="cost-source"> · {COST_SOURCES[llm.costSource]}</span>
            </Field>
            <Field label="Temperature">{orDash(llm.temperature)}</Field>
            <Field label="Max tokens">{orDash(llm.maxTokens)}</Field>
            <Field label="Streaming">{llm.isStreaming ? "yes" : "no"}</Field>
            <Field label="Finish reason">{orDash(llm.finishReason)}</Field>
          </dl>
          {(redacted.has("prompt") || blocked.has("prompt")) && <div>Prompt {marked("prompt")}</div>}
          <ChatOrText title="Prompt" text={llm.promptContent} testId="prompt-content" />
          {(redacted.has("completion") || blocked.has("completion")) && <div>Completion {marked("completion")}</div>}
          <ChatOrText title="Completion" text={llm.completionContent} testId="completion-content" />
        </>
      )}
      <h3>Attributes</h3>
      {attrs.length === 0 ? <p className="muted">None.</p> : (
        <table className="attrs" data-testid="attributes">
          <tbody>
            {attrs.map(([k, v]) => (
              <tr key={k}><th>{k}{marked(`attributes.${k}`)}</th><td><AttrValue value={v} /></td></tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** An attribute's value: strings as text (long ones folded), OTLP's typed values marked by their type,
 * arrays as lists, key-value lists as JSON. */
function AttrValue({ value }: { value: unknown }) {
  if (typeof value === "number" || typeof value === "boolean")
    return <span className={`attr-value attr-${typeof value}`} data-type={typeof value}>{String(value)}</span>;
  if (Array.isArray(value))
    return (
      <ol className="attr-list" data-type="array">
        {value.map((item, i) => <li key={i}><AttrValue value={item} /></li>)}
      </ol>
    );
  if (value !== null && typeof value === "object")
    return <pre className="attr-value" data-type="object">{JSON.stringify(value, null, 2)}</pre>;
  const text = typeof value === "string" ? value : String(value);
  if (text.length <= 200) return <span className="attr-value" data-type="string">{text}</span>;
  return (
    <details>
      <summary>{text.slice(0, 120)}… ({text.length.toLocaleString()} chars)</summary>
      <pre>{text}</pre>
      <CopyButton text={text} />
    </details>
  );
}
