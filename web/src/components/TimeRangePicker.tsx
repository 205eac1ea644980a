import { PRESETS, type TimeRange } from "../lib/timeRange";

function localInput(d: Date): string {
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

/** Presets or a custom from/to; the caller puts the choice into the URL. */
export function TimeRangePicker(props: {
  range: TimeRange;
  onPreset: (id: string) => void;
  onCustom: (from: Date, to: Date) => void;
}) {
  const { range } = props;
  return (
    <div className="range-picker">
      <select aria-label="Time range" value={range.id} onChange={(e) => {
        if (e.target.value === "custom") props.onCustom(range.from, range.to);
        else props.onPreset(e.target.value);
      }}>
        {PRESETS.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
        <option value="custom">Custom range</option>
      </select>
      {range.id === "custom" && (
        <>
          <input type="datetime-local" aria-label="From" value={localInput(range.from)}
            onChange={(e) => e.target.value && props.onCustom(new Date(e.target.value), range.to)} />
          <span className="muted">to</span>
          <input type="datetime-local" aria-label="To" value={localInput(range.to)}
            onChange={(e) => e.target.value && props.onCustom(range.from, new Date(e.target.value))} />
        </>
      )}
    </div>
  );
}
