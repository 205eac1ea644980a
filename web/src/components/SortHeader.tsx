/** A column header that sorts the table by its column (the URL holds sort and order). */
export function SortHeader(props: {
  label: string; column: string; query: URLSearchParams; fallback: string; numeric?: boolean;
  onSort: (column: string) => void;
}) {
  const sorted = (props.query.get("sort") ?? props.fallback) === props.column;
  const ascending = props.query.get("order") === "asc";
  return (
    <th className={`sortable${sorted ? " sorted" : ""}${props.numeric ? " num" : ""}`} data-sort={props.column}
      aria-sort={sorted ? (ascending ? "ascending" : "descending") : "none"} onClick={() => props.onSort(props.column)}>
      {props.label}{sorted ? (ascending ? " ↑" : " ↓") : ""}
    </th>
  );
}
