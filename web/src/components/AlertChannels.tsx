import { useState } from 'react';
import { createAlertChannel, deleteAlertChannel, testAlertChannel, updateAlertChannel } from '../api/endpoints';
import { changes } from '../api/queries';
import type { ChannelKind, ChannelView, DeliveryResult } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { useEditForm } from '../hooks/useEditForm';
import {
  CHANNEL_FIELDS,
  CHANNEL_KINDS,
  CHANNEL_SECRETS,
  channelDraftOf,
  channelInput,
  deliverySummary,
  EMPTY_CHANNEL_DRAFT,
  SMTP_SECURITIES,
  type ChannelDraft,
} from '../lib/alerts';
import { Badge } from './Badge';
import { ErrorPanel } from './ErrorPanel';
import { FormFooter } from './FormFooter';

/** `?` is never a channel id: the editor of a new channel. */
const NEW = '?';

/** The channels (operators read them; admins add, edit, delete and test them). */
export function AlertChannels({ channels, canWrite }: { channels: readonly ChannelView[]; canWrite: boolean }) {
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useApiMutation(deleteAlertChannel, changes.alerts);
  const editedChannel = channels.find((c) => c.id === editing);

  return (
    <section className="panel" aria-label="Channels">
      <div className="table-toolbar">
        <h2>Channels</h2>
        <span className="spacer" />
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setEditing(NEW)}>
            New channel
          </button>
        ) : null}
      </div>
      {remove.error ? <ErrorPanel error={remove.error} title="Delete failed" /> : null}
      {channels.length === 0 ? <p className="muted">No channels yet.</p> : null}
      {channels.length > 0 ? (
        <table className="table" aria-label="Channels">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Destination</th>
              <th>Secret</th>
              <th>State</th>
              {canWrite ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => (
              <ChannelRow key={c.id} channel={c} canWrite={canWrite} onEdit={() => setEditing(c.id)} onDelete={() => remove.mutate(c.id)} />
            ))}
          </tbody>
        </table>
      ) : null}
      {editing === NEW ? <ChannelForm key={NEW} onDone={() => setEditing(null)} /> : null}
      {editedChannel ? <ChannelForm key={editedChannel.id} channel={editedChannel} onDone={() => setEditing(null)} /> : null}
    </section>
  );
}

function ChannelRow({ channel: c, canWrite, onEdit, onDelete }: { channel: ChannelView; canWrite: boolean; onEdit: () => void; onDelete: () => void }) {
  const test = useApiMutation(testAlertChannel, []);
  const secret = CHANNEL_SECRETS[c.kind];
  return (
    <>
      <tr data-testid="channel-row" data-name={c.name}>
        <td>{c.name}</td>
        <td>{c.kind}</td>
        <td className="selectable">{c.settings.url ?? c.settings.chatId ?? c.settings.to?.join(', ') ?? '—'}</td>
        <td data-col="secret">{secret ? `${secret.label}: ${secret.configured(c) ? 'configured' : 'not set'}` : '—'}</td>
        <td>{c.enabled ? <Badge tone="good">enabled</Badge> : <Badge>disabled</Badge>}</td>
        {canWrite ? (
          <td className="actions">
            <button type="button" disabled={test.isPending} onClick={() => test.mutate(c.id)}>
              {test.isPending ? 'Sending…' : 'Send test'}
            </button>
            <button type="button" onClick={onEdit}>
              Edit
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(`Delete channel "${c.name}"?`)) onDelete();
              }}
            >
              Delete
            </button>
          </td>
        ) : null}
      </tr>
      {test.data || test.error ? (
        <tr>
          <td colSpan={6}>{test.error ? <ErrorPanel error={test.error} title="Test failed" /> : test.data ? <TestResult result={test.data} /> : null}</td>
        </tr>
      ) : null}
    </>
  );
}

function TestResult({ result }: { result: DeliveryResult }) {
  return (
    <div data-testid="test-result" data-delivered={result.delivered}>
      {result.delivered ? <Badge tone="good">delivered</Badge> : <Badge tone="bad">not delivered</Badge>} {deliverySummary(result)}
    </div>
  );
}

/** A new channel, or `channel` replaced: its secret is never shown; left empty it is kept. */
function ChannelForm({ channel, onDone }: { channel?: ChannelView; onDone: () => void }) {
  const { draft, set, problem, error, saving, submit } = useEditForm({
    initial: channel ? channelDraftOf(channel) : EMPTY_CHANNEL_DRAFT,
    id: channel?.id,
    check: (d: ChannelDraft) => channelInput(d, channel),
    create: createAlertChannel,
    update: updateAlertChannel,
    changed: changes.alerts,
    onDone,
  });
  const fields = CHANNEL_FIELDS[draft.kind];
  const secret = CHANNEL_SECRETS[draft.kind];
  const stored = channel && secret ? secret.configured(channel) : false;

  return (
    <form className="form-grid" onSubmit={submit} aria-label={channel ? 'Edit channel' : 'New channel'}>
      <h3>{channel ? `Edit channel ${channel.name}` : 'New channel'}</h3>
      <label>
        Name
        <input value={draft.name} onChange={(e) => set('name', e.target.value)} maxLength={100} />
      </label>
      <label>
        Kind
        <select value={draft.kind} disabled={Boolean(channel)} onChange={(e) => set('kind', e.target.value as ChannelKind)}>
          {CHANNEL_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {fields.url ? (
        <label>
          URL{fields.url === 'optional' ? ' (optional)' : ''}
          <input value={draft.url} onChange={(e) => set('url', e.target.value)} placeholder="https://…" />
        </label>
      ) : null}
      {fields.telegram ? (
        <label>
          Chat id
          <input value={draft.chatId} onChange={(e) => set('chatId', e.target.value)} />
        </label>
      ) : null}
      {fields.email ? <EmailFields draft={draft} set={set} /> : null}
      {secret ? (
        <label>
          {secret.label}
          {secret.required ? '' : ' (optional)'}
          {/* Write-only: never filled from the server; empty keeps what is stored. */}
          <input
            type="password"
            autoComplete="new-password"
            value={draft.secret}
            disabled={draft.clearSecret}
            onChange={(e) => set('secret', e.target.value)}
            placeholder={stored ? 'configured — leave empty to keep it' : ''}
          />
        </label>
      ) : null}
      {secret && stored && !secret.required ? (
        <label className="checkbox-label">
          <input type="checkbox" checked={draft.clearSecret} onChange={(e) => set('clearSecret', e.target.checked)} />
          Remove the stored {secret.label.toLowerCase()}
        </label>
      ) : null}
      <label className="checkbox-label">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        Enabled
      </label>
      <FormFooter problem={problem} error={error} saving={saving} saveLabel="Save channel" onCancel={onDone} />
    </form>
  );
}

function EmailFields({ draft, set }: { draft: ChannelDraft; set: <K extends keyof ChannelDraft>(key: K, value: ChannelDraft[K]) => void }) {
  return (
    <>
      <label>
        SMTP server
        <input value={draft.host} onChange={(e) => set('host', e.target.value)} />
      </label>
      <label>
        Port
        <input value={draft.port} onChange={(e) => set('port', e.target.value)} placeholder="587" inputMode="numeric" />
      </label>
      <label>
        Security
        <select value={draft.security} onChange={(e) => set('security', e.target.value as ChannelDraft['security'])}>
          {SMTP_SECURITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input value={draft.from} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label>
        To
        <input value={draft.to} onChange={(e) => set('to', e.target.value)} placeholder="oncall@example.com, …" />
      </label>
      <label>
        Username
        <input value={draft.username} onChange={(e) => set('username', e.target.value)} />
      </label>
    </>
  );
}
