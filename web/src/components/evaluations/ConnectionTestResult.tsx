import type { ConnectionTest } from "../../api/types";
import { fmtCost, fmtInt, fmtMs } from "../../lib/format";
import { Link } from "../../lib/router";
import { ErrorBanner } from "../ErrorBanner";

export type TestOutcome = { name: string; running: true } | { name: string; answer: ConnectionTest } | { name: string; error: string };

/** What a connection's test call answered: the completion with its tokens, cost and latency, or the provider's error. */
export function ConnectionTestResult({ outcome }: { outcome: TestOutcome }) {
  return (
    <div className="card" data-testid="connection-test" data-connection={outcome.name}>
      <h3>Test of {outcome.name}</h3>
      {"running" in outcome && <p className="muted">Calling the provider…</p>}
      {"error" in outcome && <ErrorBanner error={outcome.error} />}
      {"answer" in outcome && (
        <>
          <pre className="version-content" data-testid="connection-answer">{outcome.answer.text}</pre>
          <p className="summary-line" data-testid="connection-answer-usage">
            <span>{outcome.answer.model}</span>
            <span>{fmtInt(outcome.answer.inputTokens)} in / {fmtInt(outcome.answer.outputTokens)} out tokens</span>
            <span data-testid="connection-answer-cost">{fmtCost(outcome.answer.costUsd)}</span>
            <span>{fmtMs(outcome.answer.latencyMs)}</span>
            <Link to={`/traces/${encodeURIComponent(outcome.answer.traceId)}`}>The recorded trace →</Link>
          </p>
        </>
      )}
    </div>
  );
}
