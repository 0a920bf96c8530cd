import { NavLink, Outlet } from 'react-router';
import { useCurrentUser } from '../auth/AuthContext';
import { isAdmin } from '../lib/roles';
import { UserMenu } from './UserMenu';

export function Layout() {
  const user = useCurrentUser();
  const links = [
    { to: '/', label: 'Overview', end: true },
    { to: '/api-keys', label: 'API keys' },
    ...(isAdmin(user.roles) ? [{ to: '/users', label: 'Users' }] : []),
    { to: '/audit', label: 'Audit log' },
  ];

  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/" className="brand">
          Fleetdeck
        </NavLink>
        <UserMenu user={user} />
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {links.map((link) => (
            <li key={link.to}>
              <NavLink to={link.to} end={link.end}>
                {link.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
