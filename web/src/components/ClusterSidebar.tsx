import { NavLink } from 'react-router';
import { clusterRoutes } from '../lib/clusterRoutes';
import { kindId } from '../lib/kinds';
import type { SidebarEntry, SidebarSection } from '../lib/sidebar';

/** The kinds of one cluster, in sections (lib/sidebar.ts). */
export function ClusterSidebar({ cluster, sections }: { cluster: string; sections: SidebarSection[] }) {
  const link = (entry: SidebarEntry) => (
    <li key={kindId(entry.kind)}>
      <NavLink to={clusterRoutes.list(cluster, entry.kind)}>{entry.label}</NavLink>
    </li>
  );
  return (
    <nav className="kind-sidebar" aria-label={`Kinds of ${cluster}`} data-testid="kind-sidebar">
      {sections.map((section) => (
        <div key={section.title} className="kind-section">
          <div className="kind-section-title">{section.title}</div>
          <ul aria-label={section.title}>{section.entries.map(link)}</ul>
          {section.groups?.map((group) => (
            <div key={group.group} className="kind-group">
              <div className="kind-group-title" title={group.group}>
                {group.group}
              </div>
              <ul aria-label={group.group}>{group.entries.map(link)}</ul>
            </div>
          ))}
        </div>
      ))}
      <div className="kind-section">
        <div className="kind-section-title">Helm</div>
        <ul aria-label="Helm">
          <li>
            <NavLink to={clusterRoutes.helmReleases(cluster)}>Releases</NavLink>
          </li>
        </ul>
      </div>
    </nav>
  );
}
