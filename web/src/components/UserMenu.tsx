import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Whoami } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { highestRole, isTenancyRole } from '../lib/roles';
import { ChangePasswordDialog } from './ChangePasswordDialog';

export function UserMenu({ user }: { user: Whoami }) {
  const { signOut } = useAuth();
  const [open, setOpen] = useState(false);
  const [changingPassword, setChangingPassword] = useState(false);
  const menu = useRef<HTMLDivElement>(null);

  // Close the popup on a click elsewhere or Escape.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const role = highestRole(user.roles) ?? user.roles[0] ?? 'no role';
  // The password and the sign-in history are routes closed to the tenancy roles.
  const tenancy = isTenancyRole(user.roles);

  return (
    <div className="user-menu" data-testid="user-menu" ref={menu}>
      <button
        type="button"
        className="user-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="user-name">{user.displayName || user.subject}</span>
        <span className="user-role">{role}</span>
      </button>
      {open ? (
        <div className="user-menu-popup" role="menu">
          <div className="user-menu-info">
            <div>
              Signed in as <strong>{user.subject}</strong>
            </div>
            <div className="muted">via {user.method.replace('_', ' ')}</div>
          </div>
          {user.method === 'password' && !tenancy ? (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                setChangingPassword(true);
              }}
            >
              Change password
            </button>
          ) : null}
          {tenancy ? null : (
            <Link role="menuitem" to={`/logins/${encodeURIComponent(user.subject)}`} onClick={() => setOpen(false)}>
              Sign-in history
            </Link>
          )}
          <button type="button" role="menuitem" onClick={() => void signOut()}>
            Log out
          </button>
        </div>
      ) : null}
      {changingPassword ? <ChangePasswordDialog onClose={() => setChangingPassword(false)} /> : null}
    </div>
  );
}
