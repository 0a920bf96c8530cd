import { NavLink } from 'react-router';
import { ALERT_LIFECYCLE_ROUTE, ALERTS_ROUTE } from '../lib/alerts';

/** The alerts' two views: configuration and deliveries, and the lifecycle board. */
export function AlertTabs() {
  return (
    <div className="tabs" role="tablist" aria-label="Alert views">
      <NavLink role="tab" to={ALERTS_ROUTE} end className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
        Rules, channels and deliveries
      </NavLink>
      <NavLink role="tab" to={ALERT_LIFECYCLE_ROUTE} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
        Lifecycle board
      </NavLink>
    </div>
  );
}
