// A ranked list with proportional bars: "top operations by volume" and the like.

export interface BarRow { label: string; value: number; detail?: string }

export function BarList(props: { title: string; rows: BarRow[]; format: (v: number) => string; empty?: string }) {
  const max = Math.max(0, ...props.rows.map((r) => r.value));
  return (
    <div className="barlist">
      <h4>{props.title}</h4>
      {props.rows.length === 0 && <p className="muted small-text">{props.empty ?? "No data in this range."}</p>}
      {props.rows.map((r) => (
        <div className="bar-row" key={r.label} title={r.detail ?? r.label}>
          <div className="bar" style={{ width: `${max > 0 ? (r.value / max) * 100 : 0}%` }} />
          <span className="bar-label">{r.label || "(none)"}</span>
          <span className="bar-value">{props.format(r.value)}</span>
        </div>
      ))}
    </div>
  );
}
