// Which of several runs' figures stand out, for the comparison's highlights.

/**
 * The indexes holding the best of the values (the highest or the lowest), or none when fewer than two values are
 * known or all known values are equal: a mark then would say nothing.
 */
export function bestIndexes(values: (number | null | undefined)[], want: "max" | "min"): Set<number> {
  const known = values.flatMap((v, i) => (v === null || v === undefined || Number.isNaN(v) ? [] : [{ v, i }]));
  if (known.length < 2) return new Set();
  const best = want === "max" ? Math.max(...known.map((k) => k.v)) : Math.min(...known.map((k) => k.v));
  if (known.every((k) => k.v === best)) return new Set();
  return new Set(known.filter((k) => k.v === best).map((k) => k.i));
}

/** The same JSON value, whatever the order of an object's keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}
