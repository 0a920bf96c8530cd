import type { DiffLineKind } from '../lib/helm';

/** Unified-diff lines, each coloured by its kind. */
export function UnifiedDiff({ lines }: { lines: readonly { kind: DiffLineKind; text: string }[] }) {
  return (
    <pre className="diff-view">
      {lines.map((line, i) => (
        <div key={i} className={`diff-line diff-${line.kind}`}>
          {line.text}
        </div>
      ))}
    </pre>
  );
}
