import { useEffect, useMemo, useState } from "react";
import { conversations } from "../api/endpoints";
import type { SessionView, Span } from "../api/types";
import { Messages } from "../components/Conversation";
import { ErrorBanner } from "../components/ErrorBanner";
import { Foldable } from "../components/Foldable";
import { Status } from "../components/Tags";
import { parseChat, sameMessage, type ChatMessage } from "../lib/chatMessages";
import { fmtCompact, fmtCost, fmtTime } from "../lib/format";
import { Link } from "../lib/router";
import { errorText } from "../lib/useAsync";

type SessionTrace = SessionView["traces"][number];

// One LLM call of the session: the messages it adds to the conversation.
interface Turn { span: Span; messages: ChatMessage[] }

// Calls usually send the whole conversation again: only what a call adds to the one read so far shows.
function turns(traces: SessionTrace[]): Map<string, Turn[]> {
  const out = new Map<string, Turn[]>();
  let sofar: ChatMessage[] = [];
  for (const t of traces) {
    const list: Turn[] = [];
    for (const span of t.spans) {
      const llm = span.llmSpan;
      if (!llm) continue;
      const messages: ChatMessage[] = [];
      const prompt = parseChat(llm.promptContent);
      if (prompt) {
        let k = 0;
        while (k < prompt.length && k < sofar.length && sameMessage(prompt[k], sofar[k])) k++;
        messages.push(...prompt.slice(k === sofar.length ? k : 0));
        sofar = prompt;
      } else if (llm.promptContent) {
        messages.push({ role: "user", content: llm.promptContent, toolCalls: [] });
        sofar = [];
      }
      const completion = parseChat(llm.completionContent) ??
        (llm.completionContent ? [{ role: "assistant", content: llm.completionContent, toolCalls: [] }] : []);
      messages.push(...completion);
      sofar = [...sofar, ...completion];
      list.push({ span, messages });
    }
    out.set(t.traceId, list);
  }
  return out;
}

/** A session's traces in time order, read like a conversation. */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const [traces, setTraces] = useState<SessionTrace[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);
  const load = async (cursor?: string) => {
    setLoading(true);
    try {
      const page = await conversations.session(sessionId, { limit: 20, cursor });
      setTraces((t) => (cursor ? [...t, ...page.traces] : page.traces));
      setNext(page.nextCursor ?? null);
      setError("");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void load(); }, [sessionId]);
  const byTrace = useMemo(() => turns(traces), [traces]);
  const user = traces.find((t) => t.userId)?.userId;
  const tokens = traces.reduce((n, t) => n + t.totalTokens, 0);
  const cost = traces.reduce((n, t) => n + t.costUsd, 0);
  return (
    <div className="page" data-testid="session-page">
      <div className="crumbs"><Link to="/sessions">← Sessions</Link></div>
      <div className="page-head">
        <h1>Session <code>{sessionId}</code></h1>
        <div className="muted small-text">
          <Link to={`/traces?session_id=${encodeURIComponent(sessionId)}&range=30d`}>As a trace list</Link>
        </div>
      </div>
      <ErrorBanner error={error} onRetry={() => void load()} />
      {traces.length > 0 && (
        <div className="summary-line">
          {user && <span>User <Link to={`/traces?user_id=${encodeURIComponent(user)}&range=30d`}>{user}</Link></span>}
          <span>{traces.length}{next ? "+" : ""} traces</span>
          <span>{fmtCompact(tokens)} tokens</span>
          <span>{fmtCost(cost)}</span>
        </div>
      )}
      {traces.map((t) => (
        <div className="card session-turn" key={t.traceId} data-testid="session-trace" data-trace-id={t.traceId}>
          <div className="turn-head">
            <strong><Link to={`/traces/${encodeURIComponent(t.traceId)}`}>{t.name}</Link></strong>
            <span className="muted">{fmtTime(t.startTime)}</span>
            <Status status={t.status} />
            <span className="muted">{fmtCompact(t.totalTokens)} tokens · {fmtCost(t.costUsd)}</span>
          </div>
          {(byTrace.get(t.traceId) ?? []).map((turn) => <TurnView key={turn.span.spanId} turn={turn} />)}
          {(byTrace.get(t.traceId) ?? []).length === 0 && <p className="muted">No LLM call in this trace.</p>}
        </div>
      ))}
      {loading && <p className="muted">Loading the session…</p>}
      {next && !loading && <div className="pager"><button onClick={() => void load(next)}>Later traces →</button></div>}
    </div>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  const [raw, setRaw] = useState(false);
  const llm = turn.span.llmSpan!;
  return (
    <div data-testid="llm-call">
      <div className="turn-head">
        <span className="muted small-text">{turn.span.name} · {llm.model}</span>
        <button type="button" className="link small-text" onClick={() => setRaw(!raw)}>{raw ? "Conversation" : "Raw"}</button>
      </div>
      {raw ? (
        <>
          <Foldable title="Prompt" text={llm.promptContent} testId="prompt-content" />
          <Foldable title="Completion" text={llm.completionContent} testId="completion-content" />
        </>
      ) : turn.messages.length > 0 ? <Messages messages={turn.messages} /> : <p className="muted">No text recorded.</p>}
    </div>
  );
}
