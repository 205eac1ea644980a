/** Pages of a list answered with nextCursor: the cursors of earlier pages are kept to go back. */
export function CursorPager(props: {
  cursors: string[]; cursor: string | undefined; next: string | null | undefined;
  onMove: (cursors: string[], cursor: string | undefined) => void;
}) {
  const { cursors, cursor, next } = props;
  if (cursors.length === 0 && !next) return null;
  return (
    <div className="pager">
      <button disabled={cursors.length === 0} onClick={() => {
        const prev = [...cursors];
        const back = prev.pop();
        props.onMove(prev, back === "" ? undefined : back);
      }}>← Previous</button>
      <button disabled={!next} onClick={() => props.onMove([...cursors, cursor ?? ""], next ?? undefined)}>Next →</button>
    </div>
  );
}
