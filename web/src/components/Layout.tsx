import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useCurrentUser } from '../auth/AuthContext';
import { ALERTS_ROUTE } from '../lib/alerts';
import { ASSISTANT_ROUTE } from '../lib/assistant';
import { BILLING_ROUTE } from '../lib/billing';
import { FINDINGS_ROUTE } from '../lib/findings';
import { fluxRoutes } from '../lib/fluxRoutes';
import { INCIDENTS_ROUTE } from '../lib/incidents';
import { REMEDIATION_ROUTE } from '../lib/remediation';
import { PREDICTIONS_ROUTE } from '../lib/predictions';
import { isAdmin, isTenancyRole } from '../lib/roles';
import { RUNBOOKS_ROUTE } from '../lib/runbooks';
import { RIGHTSIZING_ROUTE, SLO_ROUTE } from '../lib/signals';
import { AssistantPanel } from './AssistantPanel';
import { SearchPalette } from './SearchPalette';
import { UserMenu } from './UserMenu';

/** The only pages the tenancy roles reach: the server refuses them every route the others call. */
const TENANCY_PAGES: readonly string[] = ['/tenants', BILLING_ROUTE];

export function Layout() {
  const user = useCurrentUser();
  const tenancy = isTenancyRole(user.roles);
  const [searching, setSearching] = useState(false);
  const [asking, setAsking] = useState(false);
  // The assistant's page has the panel already.
  const onAssistantPage = useLocation().pathname === ASSISTANT_ROUTE;

  // Cmd+K (Ctrl+K) opens the search from every page; the tenancy roles have no search (it reads clusters).
  useEffect(() => {
    if (tenancy) return;
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setSearching(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tenancy]);
  const allSections: { title: string | null; links: { to: string; label: string; end?: boolean }[] }[] = [
    {
      title: null,
      links: [
        { to: '/', label: 'Fleet', end: true },
        { to: FINDINGS_ROUTE, label: 'Findings' },
        { to: INCIDENTS_ROUTE, label: 'Incidents' },
        { to: REMEDIATION_ROUTE, label: 'Remediation' },
        { to: RUNBOOKS_ROUTE, label: 'Runbooks' },
        { to: '/api-keys', label: 'API keys' },
        ...(isAdmin(user.roles) ? [{ to: '/users', label: 'Users' }] : []),
        { to: '/tenants', label: 'Tenants' },
        { to: BILLING_ROUTE, label: 'Billing' },
        { to: '/audit', label: 'Audit log' },
        { to: '/about', label: 'About' },
      ],
    },
    {
      title: 'Signals',
      links: [
        { to: SLO_ROUTE, label: 'SLOs' },
        { to: RIGHTSIZING_ROUTE, label: 'Rightsizing' },
        { to: ALERTS_ROUTE, label: 'Alerts' },
        { to: PREDICTIONS_ROUTE, label: 'Predictions' },
        { to: ASSISTANT_ROUTE, label: 'Assistant' },
      ],
    },
    {
      title: 'Flux',
      links: [
        { to: fluxRoutes.clusters, label: 'Clusters' },
        { to: fluxRoutes.components, label: 'Components' },
        { to: fluxRoutes.namespaces, label: 'Namespaces' },
        { to: fluxRoutes.rolebindings, label: 'Role bindings' },
        { to: fluxRoutes.importExport, label: 'Import / export' },
      ],
    },
  ];
  const sections = tenancy
    ? allSections.map((s) => ({ ...s, links: s.links.filter((l) => TENANCY_PAGES.includes(l.to)) })).filter((s) => s.links.length > 0)
    : allSections;

  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/" className="brand">
          Fleetdeck
        </NavLink>
        <span className="spacer" />
        {tenancy ? null : (
          <button type="button" className="search-button" onClick={() => setSearching(true)} aria-keyshortcuts="Control+K Meta+K">
            Search <kbd>Ctrl K</kbd>
          </button>
        )}
        {tenancy || onAssistantPage ? null : (
          <button type="button" className="search-button" aria-expanded={asking} onClick={() => setAsking((a) => !a)}>
            Ask
          </button>
        )}
        <UserMenu user={user} />
      </header>
      {searching ? <SearchPalette onClose={() => setSearching(false)} /> : null}
      {asking && !onAssistantPage ? (
        <aside className="side-panel panel" aria-label="Assistant">
          <div className="table-toolbar">
            <h2>Assistant</h2>
            <span className="spacer" />
            <button type="button" onClick={() => setAsking(false)}>
              Close
            </button>
          </div>
          <AssistantPanel />
        </aside>
      ) : null}
      <nav className="sidebar" aria-label="Main">
        {sections.map((section) => (
          <div key={section.title ?? ''} className="nav-section">
            {section.title ? <div className="nav-section-title">{section.title}</div> : null}
            <ul aria-label={section.title ?? undefined}>
              {section.links.map((link) => (
                <li key={link.to}>
                  <NavLink to={link.to} end={link.end}>
                    {link.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
