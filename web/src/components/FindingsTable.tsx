import { Link } from 'react-router';
import type { ResourceInfo, StoredFinding } from '../api/types';
import { useNow } from '../hooks/useNow';
import { classLabel, objectLabel, objectRoute } from '../lib/findings';
import { Badge, SeverityBadge } from './Badge';
import { Age } from './Time';

/** An object a finding names, linked to its page when the console knows the kind. */
export function FindingObjectLink({ cluster, object, resources }: { cluster: string; object: StoredFinding['object']; resources?: readonly ResourceInfo[] }) {
  const href = objectRoute(cluster, object, resources);
  const label = objectLabel(object);
  return href ? <Link to={href}>{label}</Link> : <code>{label}</code>;
}

interface FindingsTableProps {
  label: string;
  findings: readonly StoredFinding[];
  /** The finding whose evidence is open. */
  selected: string | null;
  /** Opens a finding's evidence (null closes it). */
  onSelect: (id: string | null) => void;
  /** The cluster's served kinds (on one object's page), to link custom kinds too. */
  resources?: readonly ResourceInfo[];
  /** The cluster column, for a list across clusters. */
  showCluster?: boolean;
}

/** Findings as rows: severity, title (selects the row), object, cluster, first and last seen. */
export function FindingsTable({ label, findings, selected, onSelect, resources, showCluster = true }: FindingsTableProps) {
  const now = useNow();
  return (
    <div className="table-scroll">
      <table className="table findings-table" aria-label={label}>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Finding</th>
            <th>Object</th>
            {showCluster ? <th>Cluster</th> : null}
            <th>First seen</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((finding) => {
            const open = finding.id === selected;
            return (
              <tr key={finding.id} data-testid="finding-row" data-id={finding.id} data-class={finding.class} className={open ? 'row-selected' : undefined}>
                <td data-col="severity">
                  <SeverityBadge severity={finding.severity} />
                </td>
                <td data-col="title">
                  <button type="button" className="link-button" aria-expanded={open} onClick={() => onSelect(open ? null : finding.id)}>
                    {finding.title}
                  </button>{' '}
                  <span className="muted">{classLabel(finding.class)}</span>
                  {finding.resolvedAt ? (
                    <>
                      {' '}
                      <span title={finding.resolvedAt}>
                        <Badge tone="good">resolved</Badge>
                      </span>
                    </>
                  ) : null}
                </td>
                <td data-col="object">
                  <FindingObjectLink cluster={finding.cluster} object={finding.object} resources={resources} />
                </td>
                {showCluster ? <td data-col="cluster">{finding.cluster}</td> : null}
                <td>
                  <Age value={finding.firstSeen} now={now} />
                </td>
                <td>
                  <Age value={finding.lastSeen} now={now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
