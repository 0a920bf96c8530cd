import { createAlertRule, updateAlertRule } from '../api/endpoints';
import { changes } from '../api/queries';
import type { ChannelView, RuleView } from '../api/types';
import { useEditForm } from '../hooks/useEditForm';
import { EMPTY_RULE_DRAFT, ruleDraftOf, ruleInput, SLO_ALERT_STATUSES, type RuleDraft } from '../lib/alerts';
import { FINDING_SEVERITIES } from '../lib/findings';
import { FormFooter } from './FormFooter';

/** A new rule, or `rule` replaced; `onDone` when saved or cancelled. */
export function AlertRuleForm({ rule, channels, onDone }: { rule?: RuleView; channels: readonly ChannelView[]; onDone: () => void }) {
  const { draft, set, problem, error, saving, submit } = useEditForm({
    initial: rule ? ruleDraftOf(rule) : EMPTY_RULE_DRAFT,
    id: rule?.id,
    check: ruleInput,
    create: createAlertRule,
    update: updateAlertRule,
    changed: changes.alerts,
    onDone,
  });
  const toggle = <T,>(list: readonly T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  return (
    <form className="panel form-grid" onSubmit={submit} aria-label={rule ? 'Edit rule' : 'New rule'}>
      <h2>{rule ? `Edit rule ${rule.name}` : 'New rule'}</h2>
      <label>
        Name
        <input value={draft.name} onChange={(e) => set('name', e.target.value)} maxLength={100} />
      </label>
      <label>
        Source
        <select value={draft.type} onChange={(e) => set('type', e.target.value as RuleDraft['type'])}>
          <option value="finding">findings</option>
          <option value="slo">SLO status</option>
        </select>
      </label>
      {draft.type === 'finding' ? (
        <>
          <label>
            Minimum severity
            <select value={draft.minSeverity} onChange={(e) => set('minSeverity', e.target.value as RuleDraft['minSeverity'])}>
              <option value="">any</option>
              {FINDING_SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Finding classes
            <input value={draft.classes} onChange={(e) => set('classes', e.target.value)} placeholder="pod_crash_loop, node_not_ready (empty: all)" />
          </label>
        </>
      ) : (
        <fieldset className="fieldset">
          <legend>SLO statuses</legend>
          {SLO_ALERT_STATUSES.map((s) => (
            <label key={s} className="checkbox-label">
              <input type="checkbox" checked={draft.statuses.includes(s)} onChange={() => set('statuses', toggle(draft.statuses, s))} />
              {s}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        Clusters
        <input value={draft.clusters} onChange={(e) => set('clusters', e.target.value)} placeholder="empty: all" />
      </label>
      <label>
        Namespaces
        <input value={draft.namespaces} onChange={(e) => set('namespaces', e.target.value)} placeholder="empty: all" />
      </label>
      <fieldset className="fieldset">
        <legend>Channels notified</legend>
        {channels.length === 0 ? <p className="muted">No channels yet: an admin adds them below.</p> : null}
        <div className="checklist">
          {channels.map((c) => (
            <label key={c.id} className="checkbox-label">
              <input type="checkbox" checked={draft.channelIds.includes(c.id)} onChange={() => set('channelIds', toggle(draft.channelIds, c.id))} />
              {c.name} ({c.kind})
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        Repeat interval
        <input value={draft.repeatInterval} onChange={(e) => set('repeatInterval', e.target.value)} placeholder="4h" />
      </label>
      <label className="checkbox-label">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        Enabled
      </label>
      <FormFooter problem={problem} error={error} saving={saving} saveLabel="Save rule" onCancel={onDone} />
    </form>
  );
}
