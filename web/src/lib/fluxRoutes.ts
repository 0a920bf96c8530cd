// Console routes of the Flux pages.

export const fluxRoutes = {
  clusters: '/flux/clusters',
  components: '/flux/components',
  namespaces: '/flux/namespaces',
  rolebindings: '/flux/rolebindings',
  importExport: '/flux/import',
  editor: (cluster: string) => `/flux/clusters/${encodeURIComponent(cluster)}`,
  preview: (cluster: string) => `/flux/clusters/${encodeURIComponent(cluster)}/preview`,
} as const;
