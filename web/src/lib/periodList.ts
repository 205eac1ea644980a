// The Sessions and Users pages: a period (the time range picker's), a sort and an order in the URL,
// sent to the API with the page's cursor.
import { useEffect, useState } from "react";
import type { Query } from "../api/client";
import { navigate, useLocation } from "./router";
import { isoSeconds, rangeFromQuery } from "./timeRange";
import { useAsync } from "./useAsync";

/** The state of a list page at `path`: its URL query, the page `load` answers at the current
 * cursor (the cursors of earlier pages kept to go back; a new query starts from the first page). */
export function usePeriodList<T>(path: string, load: (q: Query) => Promise<T>) {
  const { query } = useLocation();
  const search = query.toString();
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  useEffect(() => { setCursors([]); setCursor(undefined); }, [search]);
  const page = useAsync(() => load(periodQuery(new URLSearchParams(search), cursor)), [search, cursor]);
  const go = (q: URLSearchParams) => navigate(`${path}${q.toString() ? `?${q}` : ""}`);
  const change = (changes: Record<string, string | null>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) if (v === null) q.delete(k); else q.set(k, v);
    go(q);
  };
  const move = (cs: string[], c: string | undefined) => { setCursors(cs); setCursor(c); };
  return { query, page, cursors, cursor, go, change, move };
}

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
