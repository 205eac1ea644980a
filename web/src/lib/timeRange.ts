// The time range picker's presets and how a range reads from and into the URL.

export const PRESETS: { id: string; label: string; seconds: number }[] = [
  { id: "15m", label: "Last 15 minutes", seconds: 900 },
  { id: "1h", label: "Last hour", seconds: 3600 },
  { id: "6h", label: "Last 6 hours", seconds: 21600 },
  { id: "24h", label: "Last 24 hours", seconds: 86400 },
  { id: "7d", label: "Last 7 days", seconds: 604800 },
  { id: "30d", label: "Last 30 days", seconds: 2592000 },
];

export interface TimeRange { id: string; from: Date; to: Date }

/** range=<preset> or from=/to= (ISO) in the query; default the given preset. */
export function rangeFromQuery(query: URLSearchParams, fallback = "24h"): TimeRange {
  const from = query.get("from");
  const to = query.get("to");
  if (from) {
    const f = new Date(from);
    const t = to ? new Date(to) : new Date();
    if (!Number.isNaN(f.getTime()) && !Number.isNaN(t.getTime())) return { id: "custom", from: f, to: t };
  }
  const preset = PRESETS.find((p) => p.id === query.get("range")) ?? PRESETS.find((p) => p.id === fallback)!;
  const now = new Date();
  return { id: preset.id, from: new Date(now.getTime() - preset.seconds * 1000), to: now };
}

/** Whole seconds, rounded down (or up, for the end of a range, so nothing just sent is cut off). */
export function isoSeconds(d: Date, up = false): string {
  const ms = up ? Math.ceil(d.getTime() / 1000) * 1000 : Math.floor(d.getTime() / 1000) * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
