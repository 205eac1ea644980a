/** A weight's share of the total, as a percentage ("33.3%"). */
export function share(weight: number, total: number): string {
  if (total <= 0) return "–";
  const pct = (weight / total) * 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}
