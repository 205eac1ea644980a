// The Sessions and Users pages: a period (the time range picker's), a sort and an order in the URL,
// sent to the API with the page's cursor.
import type { Query } from "../api/client";
import { isoSeconds, rangeFromQuery } from "./timeRange";

export function periodQuery(q: URLSearchParams, cursor?: string): Query {
  const range = rangeFromQuery(q);
  return {
    from: isoSeconds(range.from),
    to: isoSeconds(range.to, true),
    sort: q.get("sort") ?? undefined,
    order: q.get("order") ?? undefined,
    user_id: q.get("user_id") ?? undefined,
    limit: 50,
    cursor,
  };
}

/** The query after a click on a column: that column, highest first; again: lowest first. */
export function sortedBy(q: URLSearchParams, column: string, fallback: string): URLSearchParams {
  const next = new URLSearchParams(q);
  const current = q.get("sort") ?? fallback;
  const descending = (q.get("order") ?? "desc") === "desc";
  next.set("sort", column);
  next.set("order", current === column && descending ? "asc" : "desc");
  return next;
}
