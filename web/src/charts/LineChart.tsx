// A hand-written SVG time-series chart: a few lines over shared time buckets,
// gaps where a bucket has no data, and a hover read-out.
import { useMemo, useState, type MouseEvent } from "react";

export interface LineSeries { label: string; color: string; values: (number | null)[] }

const W = 560;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function LineChart(props: {
  title: string;
  times: number[];
  series: LineSeries[];
  format: (v: number) => string;
  testId?: string;
}) {
  const { times, series, format } = props;
  const [hover, setHover] = useState<number | null>(null);
  const max = useMemo(
    () => niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)))),
    [series],
  );
  const n = times.length;
  const x = (i: number) => PAD.left + (n <= 1 ? 0.5 : i / (n - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);

  const paths = series.map((s) => {
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  });

  const move = (e: MouseEvent<SVGSVGElement>) => {
    if (n === 0) return;
    const box = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    const i = Math.round(((px - PAD.left) / (W - PAD.left - PAD.right)) * (n - 1));
    setHover(Math.min(n - 1, Math.max(0, i)));
  };

  const ticks = format(max / 2) === format(max) || format(max / 2) === format(0) ? [0, max] : [0, max / 2, max];
  const timeLabel = (t: number) => {
    const d = new Date(t);
    const span = n > 1 ? times[n - 1] - times[0] : 0;
    return span > 2 * 86400000
      ? d.toLocaleDateString("en-GB", { month: "short", day: "2-digit" })
      : d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  };

  return (
    <figure className="chart card" data-testid={props.testId}>
      <figcaption>
        <strong>{props.title}</strong>
        <span className="legend">
          {series.map((s) => (
            <span key={s.label}><i style={{ background: s.color }} />{s.label}</span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title} onMouseMove={move} onMouseLeave={() => setHover(null)}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="axis">{format(t)}</text>
          </g>
        ))}
        {n > 0 && (
          <>
            <text x={x(0)} y={H - 6} className="axis" textAnchor="start">{timeLabel(times[0])}</text>
            <text x={x(n - 1)} y={H - 6} className="axis" textAnchor="end">{timeLabel(times[n - 1])}</text>
          </>
        )}
        {paths.map((d, i) => (
          <path key={series[i].label} d={d} fill="none" stroke={series[i].color} strokeWidth={1.8} />
        ))}
        {series.map((s) =>
          s.values.map((v, i) =>
            v !== null && (n < 40 || hover === i || (s.values[i - 1] == null && s.values[i + 1] == null)) ? (
              <circle key={`${s.label}-${i}`} cx={x(i)} cy={y(v)} r={2.4} fill={s.color} />
            ) : null,
          ),
        )}
        {hover !== null && <line x1={x(hover)} x2={x(hover)} y1={PAD.top} y2={H - PAD.bottom} className="cursor" />}
      </svg>
      <div className="readout">
        {hover !== null ? (
          <>
            <span>{new Date(times[hover]).toLocaleString("en-GB")}</span>
            {series.map((s) => (
              <span key={s.label}>{s.label}: <b>{s.values[hover] === null ? "–" : format(s.values[hover]!)}</b></span>
            ))}
          </>
        ) : (
          <span className="muted">Point at the chart to read values.</span>
        )}
      </div>
    </figure>
  );
}
