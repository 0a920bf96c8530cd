/** A string map (labels, annotations) as small key=value chips. */
export function LabelChips({ labels }: { labels: Record<string, string> | null | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {entries.map(([key, value]) => (
        <span key={key} className="chip" title={`${key}=${value}`}>
          {key}={value}
        </span>
      ))}
    </span>
  );
}

/** Ids (depends_on, assignments) as chips. */
export function IdChips({ ids }: { ids: readonly string[] }) {
  if (ids.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {ids.map((id) => (
        <span key={id} className="chip">
          {id}
        </span>
      ))}
    </span>
  );
}
