// Console routes of the fleet and a cluster's settings.

export const clusterRoutes = {
  fleet: '/',
  about: '/about',
  settings: (cluster: string) => `/clusters/${encodeURIComponent(cluster)}`,
} as const;
