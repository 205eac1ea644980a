// Prompt and completion text that holds chat messages, read as a conversation: a JSON array of
// {role, content} (OpenAI, OpenInference's llm.input_messages, GenAI's gen_ai.*.messages with
// `parts`), an object {"messages": [...]}, one message, or a chat completion's {"choices": [...]}.
// Anything else is not a conversation (null) and shows as raw text.

export interface ToolCall { id?: string; name: string; arguments: string }
export interface ChatMessage { role: string; content: string; toolCalls: ToolCall[]; toolCallId?: string }

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v, null, 2));

function partText(p: unknown): string {
  if (typeof p === "string") return p;
  if (!isObject(p)) return str(p);
  if (typeof p.text === "string") return p.text;
  if (typeof p.content === "string") return p.content;
  if (p.type === "image_url" || p.type === "image") return "[image]";
  if (p.type === "tool_call" || p.type === "tool_call_response") return "";
  return str(p);
}

function contentText(c: unknown): string {
  if (Array.isArray(c)) return c.map(partText).filter(Boolean).join("\n");
  return str(c);
}

function toolCall(v: unknown): ToolCall | null {
  if (!isObject(v)) return null;
  const fn = isObject(v.function) ? v.function : isObject(v.tool_call) && isObject(v.tool_call.function) ? v.tool_call.function : v;
  const name = typeof fn.name === "string" ? fn.name : "";
  if (!name) return null;
  const args = fn.arguments ?? fn.args ?? fn.input;
  return { id: typeof v.id === "string" ? v.id : undefined, name, arguments: typeof args === "string" ? args : str(args) };
}

// OpenInference's flattened keys, as the OTLP mapping renders them: "tool_calls.0.tool_call.function.name".
function flattenedToolCalls(m: Json): ToolCall[] {
  const calls = new Map<string, Json>();
  for (const [k, v] of Object.entries(m)) {
    const hit = /^tool_calls\.(\d+)\.(?:tool_call\.)?(.+)$/.exec(k);
    if (!hit) continue;
    const call = calls.get(hit[1]) ?? {};
    if (hit[2] === "function.name") call.name = v;
    else if (hit[2] === "function.arguments") call.arguments = v;
    else if (hit[2] === "id") call.id = v;
    calls.set(hit[1], call);
  }
  return [...calls.entries()].sort(([a], [b]) => Number(a) - Number(b))
    .map(([, c]) => toolCall(c)).filter((c): c is ToolCall => c !== null);
}

function toMessage(m: Json): ChatMessage {
  const calls: ToolCall[] = [];
  if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls) { const t = toolCall(c); if (t) calls.push(t); }
  calls.push(...flattenedToolCalls(m));
  let content = contentText(m.content ?? m.message ?? "");
  let toolCallId = typeof m.tool_call_id === "string" ? m.tool_call_id : undefined;
  if (Array.isArray(m.parts)) {
    content = contentText(m.parts);
    for (const p of m.parts) {
      if (!isObject(p)) continue;
      if (p.type === "tool_call") { const t = toolCall(p); if (t) calls.push(t); }
      if (p.type === "tool_call_response") {
        content = [content, str(p.response ?? p.result)].filter(Boolean).join("\n");
        if (typeof p.id === "string") toolCallId = p.id;
      }
    }
  }
  return { role: m.role as string, content, toolCalls: calls, toolCallId };
}

export function parseChat(text: string | null | undefined): ChatMessage[] | null {
  const t = text?.trim();
  if (!t || (t[0] !== "[" && t[0] !== "{")) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return null;
  }
  if (isObject(v)) {
    if (Array.isArray(v.messages)) v = v.messages;
    else if (Array.isArray(v.choices)) v = v.choices.map((c) => (isObject(c) ? c.message : undefined));
    else if (typeof v.role === "string") v = [v];
    else return null;
  }
  if (!Array.isArray(v) || v.length === 0) return null;
  const out: ChatMessage[] = [];
  for (const m of v) {
    if (!isObject(m) || typeof m.role !== "string") return null;
    out.push(toMessage(m));
  }
  return out;
}

/** Equal messages: a later call's prompt repeats the conversation so far. */
export const sameMessage = (a: ChatMessage, b: ChatMessage) =>
  a.role === b.role && a.content === b.content && JSON.stringify(a.toolCalls) === JSON.stringify(b.toolCalls);
