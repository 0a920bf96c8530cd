import { describe, expect, it } from 'vitest';
import type { ClusterAssignments, PlatformComponent } from '../api/types';
import {
  assignmentsFromDraft,
  canonicalJson,
  draftChanged,
  draftFromAssignments,
  draftSummary,
  setComponentState,
  stateOf,
  unmetDependencies,
  toggleAssigned,
  toggleEnabled,
  toggleInList,
  updateComponent,
} from './assignments';

const component = (id: string): PlatformComponent => ({
  id,
  component_path: id,
  component_version: 'latest',
  cluster_env_enabled: false,
  oci_url: `oci://registry.example.com/${id}`,
  oci_tag: '1.0.0',
  depends_on: [],
  description: '',
});

const catalog = [component('cert-manager'), component('ingress'), component('monitoring')];

const assignments: ClusterAssignments = {
  platform_components: [
    { id: 'ingress', enabled: true, oci_tag: '2.0.0', component_path: null },
    { id: 'monitoring', enabled: false, oci_tag: null, component_path: 'monitoring/lite' },
    { id: 'retired', enabled: true, oci_tag: null, component_path: null },
  ],
  namespaces: ['team-b', 'team-a'],
  rolebindings: ['admins'],
  patches: { ingress: { replicaCount: 3, image: 'nginx' } },
};

describe('three-state assignment', () => {
  it('reads the state of an assignment', () => {
    expect(stateOf(undefined)).toBe('unassigned');
    expect(stateOf({ enabled: true })).toBe('enabled');
    expect(stateOf({ enabled: false })).toBe('disabled');
    expect(stateOf({})).toBe('enabled');
  });

  it('assigns as enabled and unassigns from either state', () => {
    expect(toggleAssigned('unassigned')).toBe('enabled');
    expect(toggleAssigned('enabled')).toBe('unassigned');
    expect(toggleAssigned('disabled')).toBe('unassigned');
  });

  it('flips enabled only for assigned components', () => {
    expect(toggleEnabled('enabled')).toBe('disabled');
    expect(toggleEnabled('disabled')).toBe('enabled');
    expect(toggleEnabled('unassigned')).toBe('unassigned');
  });
});

describe('assignment draft', () => {
  const draft = draftFromAssignments(assignments, catalog);

  it('has every catalog component, then assigned ids missing from the catalog', () => {
    expect(draft.components.map((c) => [c.id, c.state, c.missing])).toEqual([
      ['cert-manager', 'unassigned', false],
      ['ingress', 'enabled', false],
      ['monitoring', 'disabled', false],
      ['retired', 'enabled', true],
    ]);
    const ingress = draft.components[1];
    expect(ingress.ociTag).toBe('2.0.0');
    expect(ingress.componentPath).toBe('');
    expect(ingress.patches).toEqual([
      { key: 'replicaCount', value: '3' },
      { key: 'image', value: 'nginx' },
    ]);
    expect(draft.components[2].componentPath).toBe('monitoring/lite');
  });

  it('saves what it loaded (sorted)', () => {
    expect(assignmentsFromDraft(draft)).toEqual({
      value: {
        platform_components: [
          { id: 'ingress', enabled: true, oci_tag: '2.0.0', component_path: null },
          { id: 'monitoring', enabled: false, oci_tag: null, component_path: 'monitoring/lite' },
          { id: 'retired', enabled: true, oci_tag: null, component_path: null },
        ],
        namespaces: ['team-a', 'team-b'],
        rolebindings: ['admins'],
        patches: { ingress: { replicaCount: 3, image: 'nginx' } },
      },
      errors: [],
    });
    expect(draftChanged(draft, draft)).toBe(false);
  });

  it('drops unassigned components and their patches, keeps blank overrides as null', () => {
    let next = setComponentState(draft, 'ingress', 'unassigned');
    next = setComponentState(next, 'cert-manager', 'enabled');
    next = updateComponent(next, 'cert-manager', (c) => ({
      ...c,
      ociTag: ' 1.2.3 ',
      componentPath: '  ',
      patches: [
        { key: 'installCRDs', value: 'true' },
        { key: '', value: '' },
      ],
    }));
    const { value, errors } = assignmentsFromDraft(next);
    expect(errors).toEqual([]);
    expect(value.platform_components[0]).toEqual({ id: 'cert-manager', enabled: true, oci_tag: '1.2.3', component_path: null });
    expect(value.platform_components.map((c) => c.id)).toEqual(['cert-manager', 'monitoring', 'retired']);
    expect(value.patches).toEqual({ 'cert-manager': { installCRDs: true } });
    expect(draftChanged(draft, next)).toBe(true);
  });

  it('ignores the order of patch keys', () => {
    const reordered = updateComponent(draft, 'ingress', (c) => ({ ...c, patches: [...c.patches].reverse() }));
    expect(draftChanged(draft, reordered)).toBe(false);
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('reports patch rows that cannot be saved', () => {
    const next = updateComponent(draft, 'ingress', (c) => ({ ...c, patches: [...c.patches, { key: 'image', value: 'x' }] }));
    expect(assignmentsFromDraft(next).errors).toEqual(['ingress patches: The key "image" is given twice.']);
    expect(draftChanged(draft, next)).toBe(true);
  });

  it('keeps checklists free of duplicates', () => {
    expect(toggleInList(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggleInList(['a', 'b'], 'a', true)).toEqual(['b', 'a']);
    expect(toggleInList(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggleInList([], 'a', false)).toEqual([]);
  });

  it('summarises', () => {
    expect(draftSummary(draft)).toEqual({ enabled: 2, disabled: 1, namespaces: 2, rolebindings: 1 });
  });
});

describe('dependencies', () => {
  const withDeps = [component('base'), { ...component('app'), depends_on: ['base', 'gone'] }];
  const empty = draftFromAssignments({ platform_components: [] }, withDeps);

  it('names dependencies that are not assigned and enabled', () => {
    expect(unmetDependencies(empty, 'app', withDeps)).toEqual([]);
    const appOnly = setComponentState(empty, 'app', 'enabled');
    expect(unmetDependencies(appOnly, 'app', withDeps)).toEqual(['base', 'gone']);
    expect(unmetDependencies(setComponentState(appOnly, 'base', 'disabled'), 'app', withDeps)).toEqual(['base', 'gone']);
    expect(unmetDependencies(setComponentState(appOnly, 'base', 'enabled'), 'app', withDeps)).toEqual(['gone']);
    expect(unmetDependencies(appOnly, 'base', withDeps)).toEqual([]);
  });

  it('reads a sparse answer (absent lists are empty)', () => {
    expect(empty.namespaces).toEqual([]);
    expect(empty.components.map((c) => c.state)).toEqual(['unassigned', 'unassigned']);
    expect(assignmentsFromDraft(empty).value).toEqual({ platform_components: [], namespaces: [], rolebindings: [], patches: {} });
  });
});
