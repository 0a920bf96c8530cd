// Served resources for the tests, as GET …/api-resources answers them.
import type { ResourceInfo } from '../api/types';

const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function resource(group: string, version: string, resource: string, kind: string, more: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group,
    version,
    resource,
    kind,
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: [],
    categories: [],
    subresources: [],
    preferred: true,
    printerColumns: [],
    ...more,
  };
}
