import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { createUser, deleteUser, issuePasswordReset, paths, updateUser } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { PasswordResetLink, Role, UpdateUserRequest, User, UserList } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge, RoleBadge } from '../components/Badge';
import { MIN_PASSWORD_LENGTH } from '../components/ChangePasswordDialog';
import { CopyButton } from '../components/CopyButton';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { ROLES } from '../lib/roles';

export function UsersPage() {
  const users = useQuery(apiQuery<UserList>(paths.users));
  const me = useCurrentUser();

  return (
    <>
      <h1>Users</h1>
      <p className="muted">Local accounts that sign in with a username and password.</p>
      <CreateUserForm />
      <section className="panel">
        <h2>
          Accounts {users.isFetching ? <Loading label="" /> : null}
        </h2>
        {users.error ? <ErrorPanel error={users.error} onRetry={() => void users.refetch()} /> : null}
        {users.data ? (
          users.data.items.length === 0 ? (
            <p className="muted">No local users.</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Username</th>
                  <th>Display name</th>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Created</th>
                  <th>Last login</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => (
                  <UserRow key={user.username} user={user} isMe={user.username === me.subject} />
                ))}
              </tbody>
            </table>
          )
        ) : null}
      </section>
    </>
  );
}

function CreateUserForm() {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const create = useApiMutation(createUser, changes.users);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { username: username.trim(), displayName: displayName.trim() || undefined, email: email.trim() || undefined, role, password },
      {
        onSuccess: () => {
          setUsername('');
          setDisplayName('');
          setEmail('');
          setPassword('');
        },
      },
    );
  }

  return (
    <section className="panel">
      <h2>Create a user</h2>
      <form onSubmit={submit} className="form-row" aria-label="Create user">
        <label>
          Username
          <input required autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Display name
          <input value={displayName} placeholder="same as username" onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label>
          Email
          <input type="email" value={email} placeholder="optional" onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Role
          <RoleSelect value={role} onChange={setRole} />
        </label>
        <label>
          Initial password
          <input
            type="password"
            required
            autoComplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </button>
      </form>
      {create.error ? <ErrorPanel error={create.error} title="Cannot create the user" /> : null}
    </section>
  );
}

function RoleSelect({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

function UserRow({ user, isMe }: { user: User; isMe: boolean }) {
  const [editing, setEditing] = useState(false);
  const [displayName, setDisplayName] = useState(user.displayName);
  const [email, setEmail] = useState(user.email ?? '');
  const [role, setRole] = useState(user.role);
  const [password, setPassword] = useState('');
  // One write at a time per row (an update, or 'delete'), so one busy state and one error.
  const write = useApiMutation(
    (change: UpdateUserRequest | 'delete'): Promise<unknown> => (change === 'delete' ? deleteUser(user.username) : updateUser(user.username, change)),
    changes.users,
  );
  // The link is shown once: it lives in this state until dismissed, never in a query cache.
  const [resetLink, setResetLink] = useState<PasswordResetLink | null>(null);
  const issueReset = useApiMutation(() => issuePasswordReset(user.username), []);

  function issueResetLink() {
    setResetLink(null);
    issueReset.mutate(undefined, { onSuccess: setResetLink });
  }
  const { error } = write;
  const busy = write.isPending;

  function stopEditing() {
    setPassword('');
    setEditing(false);
  }

  function submitEdit(event: FormEvent) {
    event.preventDefault();
    const change: UpdateUserRequest = {};
    if (displayName.trim() !== user.displayName) change.displayName = displayName.trim();
    // An empty string removes the address.
    if (email.trim() !== (user.email ?? '')) change.email = email.trim();
    if (role !== user.role) change.role = role;
    if (password !== '') change.password = password;
    if (Object.keys(change).length === 0) stopEditing();
    else write.mutate(change, { onSuccess: stopEditing });
  }

  function startEditing() {
    setDisplayName(user.displayName);
    setEmail(user.email ?? '');
    setRole(user.role);
    setPassword('');
    write.reset();
    setEditing(true);
  }

  function remove() {
    if (!window.confirm(`Delete user "${user.username}"? This cannot be undone.`)) return;
    write.mutate('delete');
  }

  const formId = `edit-${user.username}`;
  return (
    <>
      <tr data-testid="user-row" className={user.disabled ? 'row-disabled' : undefined}>
        <td>
          {user.username} {isMe ? <Badge tone="info">you</Badge> : null}
        </td>
        <td>
          {editing ? (
            <input form={formId} aria-label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          ) : (
            user.displayName || <span className="muted">—</span>
          )}
        </td>
        <td>
          {editing ? (
            <input form={formId} type="email" aria-label="Email" value={email} onChange={(e) => setEmail(e.target.value)} />
          ) : (
            user.email || <span className="muted">—</span>
          )}
        </td>
        <td>{editing ? <RoleSelect value={role} onChange={setRole} /> : <RoleBadge role={user.role} />}</td>
        <td>{user.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">enabled</Badge>}</td>
        <td>
          <Time value={user.createdAt} />
        </td>
        <td>{user.lastLoginAt ? <Time value={user.lastLoginAt} /> : <span className="muted">never</span>}</td>
        <td className="row-actions">
          {editing ? (
            <form id={formId} onSubmit={submitEdit} className="inline-form">
              <input
                type="password"
                aria-label="New password"
                placeholder="new password (optional)"
                autoComplete="new-password"
                minLength={MIN_PASSWORD_LENGTH}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <button type="submit" className="primary" disabled={busy}>
                Save
              </button>
              <button type="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <>
              <button type="button" onClick={startEditing} disabled={busy}>
                Edit
              </button>
              <Link className="button-link" to={`/logins/${encodeURIComponent(user.username)}`}>
                Sign-ins
              </Link>
              <button type="button" disabled={busy} onClick={() => write.mutate({ disabled: !user.disabled })}>
                {user.disabled ? 'Enable' : 'Disable'}
              </button>
              <button type="button" disabled={issueReset.isPending} onClick={issueResetLink}>
                Reset password
              </button>
              <button type="button" className="danger" disabled={busy} onClick={remove}>
                Delete
              </button>
            </>
          )}
        </td>
      </tr>
      {resetLink ? (
        <tr data-testid="reset-link">
          <td colSpan={8}>
            <div className="notice">
              <p>
                One-time link for {user.username}, valid until <Time value={resetLink.expiresAt} />. Hand it over privately; it
                is not shown again, and a new link replaces it.
              </p>
              <input readOnly aria-label="Reset link" value={resetLink.url} onFocus={(e) => e.target.select()} size={60} />{' '}
              <CopyButton text={resetLink.url} /> <button type="button" onClick={() => setResetLink(null)}>Done</button>
            </div>
          </td>
        </tr>
      ) : null}
      {issueReset.error ? (
        <tr className="row-error">
          <td colSpan={8}>
            <ErrorPanel error={issueReset.error} title={`Cannot issue a reset link for ${user.username}`} />
          </td>
        </tr>
      ) : null}
      {error ? (
        <tr className="row-error">
          <td colSpan={8}>
            <ErrorPanel
              error={error}
              title={error.code === 'last_admin' ? 'At least one enabled admin must remain' : `Cannot change ${user.username}`}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}
