import { useState } from "react";
import { parseChat, type ChatMessage } from "../lib/chatMessages";
import { Foldable } from "./Foldable";

/** Chat messages as a conversation: one bubble per message, tool calls and results included. */
export function Messages({ messages }: { messages: ChatMessage[] }) {
  return (
    <div className="chat" data-testid="conversation">
      {messages.map((m, i) => (
        <div key={i} className={`chat-msg role-${m.role.replace(/[^a-z_-]/gi, "")}`} data-role={m.role}>
          <div className="chat-role">{m.role}{m.toolCallId && <span className="muted"> · result of {m.toolCallId}</span>}</div>
          {m.content && <div className="chat-text">{m.content}</div>}
          {m.toolCalls.map((c, j) => (
            <div key={j} className="tool-call" data-testid="tool-call">
              <span className="muted">calls</span> <code>{c.name}</code>{c.id && <span className="muted small-text"> ({c.id})</span>}
              {c.arguments && <pre>{c.arguments}</pre>}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/** Prompt or completion text: a conversation when it holds chat messages, with the raw text one click away. */
export function ChatOrText({ title, text, testId }: { title: string; text: string | null | undefined; testId?: string }) {
  const [raw, setRaw] = useState(false);
  const messages = parseChat(text);
  if (!messages) return <Foldable title={title} text={text} testId={testId} />;
  return (
    <section className="textblock">
      <header>
        <strong>{title}</strong>
        <span className="muted small-text">{messages.length} message{messages.length === 1 ? "" : "s"}</span>
        <button type="button" className="link" onClick={() => setRaw(!raw)}>{raw ? "Conversation" : "Raw"}</button>
      </header>
      {raw ? <pre data-testid={testId}>{text}</pre> : <Messages messages={messages} />}
    </section>
  );
}
