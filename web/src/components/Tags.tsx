export function Tags({ tags }: { tags: string[] | undefined }) {
  if (!tags || tags.length === 0) return <span className="muted">–</span>;
  return (
    <span className="tags">
      {tags.map((t) => <span className="tag" key={t}>{t}</span>)}
    </span>
  );
}

export function Status({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status === "error" ? "error" : "ok"}</span>;
}
