import type { QuotaBar } from '../lib/billing';

/** Quota bars: each a label, what is used of what is allowed, and a meter (red when over). */
export function QuotaBars({ bars, testId }: { bars: readonly (QuotaBar & { key: string })[]; testId: string }) {
  return (
    <div className="quota-bars">
      {bars.map((bar) => (
        <div key={bar.key} className={`size size-${bar.over ? 'over' : 'ok'}`} data-testid={testId} data-field={bar.key} data-over={bar.over}>
          <span>
            {bar.label}: {bar.text}
          </span>
          {bar.percent !== null ? (
            <div className="size-bar" role="meter" aria-label={bar.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(bar.percent)}>
              <div className="size-bar-fill" style={{ width: `${bar.percent}%` }} />
            </div>
          ) : null}
        </div>
      ))}
    </div>
  );
}
