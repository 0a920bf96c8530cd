// The cluster assignment editor's model. Each catalog component is in one of three states on a
// cluster: not assigned, assigned and enabled, or assigned and disabled (Flux then removes it).
import type { ClusterAssignments, ClusterPatches, ComponentAssignment, PlatformComponent } from '../api/types';
import type { KeyValueRow, Parsed } from './keyValue';
import { patchRowsFromObject, patchRowsToObject } from './patchValue';

export type AssignmentState = 'unassigned' | 'enabled' | 'disabled';

export const ASSIGNMENT_STATES: readonly { state: AssignmentState; label: string }[] = [
  { state: 'unassigned', label: 'Not assigned' },
  { state: 'enabled', label: 'Enabled' },
  { state: 'disabled', label: 'Disabled' },
];

export interface ComponentDraft {
  id: string;
  state: AssignmentState;
  /** Override text; '' means "the catalog default". */
  ociTag: string;
  componentPath: string;
  patches: KeyValueRow[];
  /** Assigned on the cluster but no longer in the catalog. */
  missing: boolean;
}

export interface AssignmentDraft {
  components: ComponentDraft[];
  namespaces: string[];
  rolebindings: string[];
}

/** An assignment without `enabled` is enabled (the server's default). */
export function stateOf(assignment: Pick<ComponentAssignment, 'enabled'> | undefined): AssignmentState {
  if (assignment === undefined) return 'unassigned';
  return assignment.enabled === false ? 'disabled' : 'enabled';
}

/** The assigned toggle: assigning starts enabled, unassigning forgets enabled/disabled. */
export function toggleAssigned(state: AssignmentState): AssignmentState {
  return state === 'unassigned' ? 'enabled' : 'unassigned';
}

/** The enabled toggle: flips enabled and disabled; an unassigned component stays unassigned. */
export function toggleEnabled(state: AssignmentState): AssignmentState {
  if (state === 'enabled') return 'disabled';
  if (state === 'disabled') return 'enabled';
  return state;
}

/** Every catalog component (catalog order), then assigned ids the catalog no longer has. */
export function draftFromAssignments(assignments: ClusterAssignments, catalog: readonly PlatformComponent[]): AssignmentDraft {
  const components = assignments.platform_components ?? [];
  const assigned = new Map(components.map((a) => [a.id, a]));
  const toDraft = (id: string, missing: boolean): ComponentDraft => {
    const a = assigned.get(id);
    return {
      id,
      state: stateOf(a),
      ociTag: a?.oci_tag ?? '',
      componentPath: a?.component_path ?? '',
      patches: patchRowsFromObject(assignments.patches?.[id]),
      missing,
    };
  };
  const known = new Set(catalog.map((c) => c.id));
  return {
    components: [
      ...catalog.map((c) => toDraft(c.id, false)),
      ...components.filter((a) => !known.has(a.id)).map((a) => toDraft(a.id, true)),
    ],
    namespaces: [...(assignments.namespaces ?? [])],
    rolebindings: [...(assignments.rolebindings ?? [])],
  };
}

/** `draft` with component `id` changed by `change`. */
export function updateComponent(
  draft: AssignmentDraft,
  id: string,
  change: (component: ComponentDraft) => ComponentDraft,
): AssignmentDraft {
  return { ...draft, components: draft.components.map((c) => (c.id === id ? change(c) : c)) };
}

export function setComponentState(draft: AssignmentDraft, id: string, state: AssignmentState): AssignmentDraft {
  return updateComponent(draft, id, (c) => ({ ...c, state }));
}

/** A checklist: `ids` with `id` in (`on`) or out, no duplicates, order kept. */
export function toggleInList(ids: readonly string[], id: string, on: boolean): string[] {
  const without = ids.filter((x) => x !== id);
  return on ? [...without, id] : without;
}

const overrideOrNull = (text: string) => (text.trim() === '' ? null : text.trim());

/**
 * The PUT body for a draft: assigned components with their overrides (blank = catalog default),
 * patches of assigned components only (none for a component without patch rows), sorted id lists.
 */
export function assignmentsFromDraft(draft: AssignmentDraft): Parsed<Required<ClusterAssignments>> {
  const errors: string[] = [];
  const platform_components: ComponentAssignment[] = [];
  const patches: ClusterPatches = {};
  for (const c of draft.components) {
    if (c.state === 'unassigned') continue;
    platform_components.push({
      id: c.id,
      enabled: c.state === 'enabled',
      oci_tag: overrideOrNull(c.ociTag),
      component_path: overrideOrNull(c.componentPath),
    });
    const parsed = patchRowsToObject(c.patches);
    errors.push(...parsed.errors.map((e) => `${c.id} patches: ${e}`));
    if (Object.keys(parsed.value).length > 0) patches[c.id] = parsed.value;
  }
  const sorted = (ids: readonly string[]) => [...new Set(ids)].sort();
  return {
    value: {
      platform_components: platform_components.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      namespaces: sorted(draft.namespaces),
      rolebindings: sorted(draft.rolebindings),
      patches,
    },
    errors,
  };
}

/** JSON text with object keys sorted, so that equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Whether `draft` would save something other than `initial` (invalid drafts count as changed). */
export function draftChanged(initial: AssignmentDraft, draft: AssignmentDraft): boolean {
  const a = assignmentsFromDraft(initial);
  const b = assignmentsFromDraft(draft);
  return b.errors.length > 0 || canonicalJson(a.value) !== canonicalJson(b.value);
}

/** Counts for the editor's summary line. */
export function draftSummary(draft: AssignmentDraft): { enabled: number; disabled: number; namespaces: number; rolebindings: number } {
  return {
    enabled: draft.components.filter((c) => c.state === 'enabled').length,
    disabled: draft.components.filter((c) => c.state === 'disabled').length,
    namespaces: new Set(draft.namespaces).size,
    rolebindings: new Set(draft.rolebindings).size,
  };
}

/**
 * Dependencies (catalog depends_on) of an assigned component that the draft does not assign, or
 * assigns disabled: Flux would wait for them forever.
 */
export function unmetDependencies(draft: AssignmentDraft, id: string, catalog: readonly PlatformComponent[]): string[] {
  const component = catalog.find((c) => c.id === id);
  const states = new Map(draft.components.map((c) => [c.id, c.state]));
  if (!component || (states.get(id) ?? 'unassigned') === 'unassigned') return [];
  return (component.depends_on ?? []).filter((dep) => states.get(dep) !== 'enabled');
}
