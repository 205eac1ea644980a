// What GovernAI did to a stored span, read from the attributes it sets (api/openapi.yaml, Span):
// `governai.redacted` and `governai.blocked` hold `field:type` pairs joined by commas.
import type { Span } from "../api/types";

export const REDACTED_ATTRIBUTE = "governai.redacted";
export const BLOCKED_ATTRIBUTE = "governai.blocked";

/** field -> the types found there. */
export type FieldMarks = Map<string, string[]>;

function parsePairs(value: unknown): FieldMarks {
  const marks: FieldMarks = new Map();
  for (const pair of (typeof value === "string" ? value : "").split(",")) {
    const at = pair.lastIndexOf(":");
    if (at <= 0) continue;
    const field = pair.slice(0, at).trim();
    const type = pair.slice(at + 1).trim();
    marks.set(field, [...(marks.get(field) ?? []), type]);
  }
  return marks;
}

export function governaiMarks(span: Span): { redacted: FieldMarks; blocked: FieldMarks } {
  const attrs = span.attributes ?? {};
  return { redacted: parsePairs(attrs[REDACTED_ATTRIBUTE]), blocked: parsePairs(attrs[BLOCKED_ATTRIBUTE]) };
}

export function isBlocked(span: Span): boolean {
  return BLOCKED_ATTRIBUTE in (span.attributes ?? {});
}
