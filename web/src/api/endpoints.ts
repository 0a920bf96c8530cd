// Every API call the console makes. Reads are paths (fed to apiQuery, api/queries.ts); writes are functions.
import { api, apiRequest } from './client';
import type {
  App,
  AppSpec,
  CheckoutStarted,
  CreateApp,
  CreateOrder,
  Invoice,
  Order,
  Plan,
  PlanTerms,
  CreateProject,
  CreateTenant,
  IssueKubeconfig,
  IssuedKubeconfig,
  Project,
  Tenant,
  AlertView,
  AnalyzeRequest,
  AssistantAnswer,
  AssistantQuestion,
  ChannelInput,
  ChannelView,
  DeliveryResult,
  LifecycleChange,
  ReferenceFeedback,
  RuleInput,
  RuleView,
  ApiKey,
  ApplyResult,
  CanIResponse,
  ChangePasswordRequest,
  Cluster,
  ClusterAssignments,
  CreateApiKeyRequest,
  CreateClusterRequest,
  CreatedApiKey,
  CreatedJoinToken,
  CreateJoinTokenRequest,
  JoinToken,
  CreateIncident,
  Fix,
  FixInput,
  CreateUserRequest,
  CordonResult,
  DeleteResult,
  FluxExport,
  FluxNamespace,
  FluxRoleBinding,
  ImportResult,
  IncidentDetail,
  KubeObject,
  KubectlResult,
  LoginRequest,
  Note,
  PasswordResetLink,
  PasswordResetRequest,
  RegistrationPending,
  RegistrationRequest,
  RegistrationVerification,
  OidcLogout,
  PlatformComponent,
  ProposeRequest,
  ProposeResult,
  RemediationItem,
  Postmortem,
  PostmortemInput,
  RestartResult,
  RiskGuardReport,
  RollbackResult,
  Runbook,
  RunbookInput,
  ScaleResult,
  SecretValue,
  Step,
  StepInput,
  TriggerResult,
  UpdateClusterRequest,
  UpdateUserRequest,
  User,
  Whoami,
  Written,
} from './types';
import type { AccessCheck, PropagationPolicy } from '../lib/actions';
import { importQuery } from '../lib/importExport';

export const paths = {
  authConfig: '/api/auth/config',
  whoami: '/api/auth/whoami',
  version: '/version',
  apiKeys: '/api/auth/api-keys',
  users: '/api/users',
  audit: '/api/audit',
  /** The fleet's findings (query: lib/findings findingsApiPath); under it, one finding with its log lines. */
  diagnostics: '/api/diagnostics',
  /** Incidents (query: lib/incidents incidentsApiPath); under it, one incident, its replay and evidence. */
  incidents: '/api/incidents',
  /** Remediations (query: lib/remediation remediationApiPath); under it, one, its decisions and GitOps artifact. */
  remediation: '/api/remediation',
  /** Runbooks (query: lib/runbooks runbooksApiPath); under it, one runbook. */
  runbooks: '/api/memory/runbooks',
  /** The fixes recorded against findings (query: lib/runbooks fixesApiPath). */
  fixes: '/api/memory/fixes',
  auditVerify: '/api/audit/verify',
  clusters: '/api/clusters',
  fleet: '/api/fleet',
  fluxEnvironments: '/api/flux/environments',
  fluxComponents: '/api/flux/platform-components',
  fluxNamespaces: '/api/flux/namespaces',
  fluxRoleBindings: '/api/flux/rolebindings',
  /** Under it, each cluster's assignments. */
  fluxClusters: '/api/flux/clusters',
  /** Under it, the inputs Flux Operator fetches, by cluster dns. */
  fluxInputs: '/api/v2/flux/clusters',
  fluxExport: '/api/flux/export',
  fluxImport: '/api/flux/import',
  /** Which kinds' lists can be streamed. */
  features: '/api/features',
  /** Every workload's SLO (query: lib/signals sloApiPath). */
  slo: '/api/slo',
  /** Every workload's rightsizing (query: lib/signals rightsizingApiPath). */
  rightsizing: '/api/rightsizing',
  /** Alert rules (viewer reads), channels (operator reads, admin writes), lifecycle and deliveries. */
  alertRules: '/api/alerts/rules',
  alertChannels: '/api/alerts/channels',
  /** The alerts raised (query: lib/alerts lifecycleApiPath). */
  alertLifecycle: '/api/alerts/lifecycle',
  /** Every delivery (query: lib/alerts deliveriesApiPath). */
  alertDeliveries: '/api/alerts/deliveries',
  /** Predictions (query: lib/predictions predictionsApiPath). */
  predictions: '/api/predictions',
  /** The assistant's usage over the last days (operator+). */
  ragTelemetry: '/api/rag/telemetry',
  /** Tenants, projects (`?tenantId=`) and apps (`?projectId=`); under each, one. */
  tenants: '/api/tenants',
  projects: '/api/projects',
  apps: '/api/apps',
  platformPolicy: '/api/platform/policy',
  /** Usage by day, project, ... (query: usageOfPath). */
  usage: '/api/usage',
  /** Each namespace as its cluster's last metering pass measured it (query: usageSnapshotPath). */
  usageSnapshot: '/api/usage/snapshot',
  /** Under it, a tenant's invoice of a month, its CSV and its issue. */
  invoices: '/api/invoices',
  /** Plans: all for admins, those on sale for everyone else; under it, one. */
  plans: '/api/plans',
  /** Orders (`?tenant=`); under it, one and its checkout, pay and cancel. */
  orders: '/api/orders',
  /** What a tenant's paid orders entitle its projects to (`?tenant=`). */
  entitlement: '/api/billing/entitlement',
} as const;

/** The three kinds of Flux inputs a cluster serves to Flux Operator. */
export const FLUX_INPUT_KINDS = ['platform-components', 'namespaces', 'rolebindings'] as const;
export type FluxInputKind = (typeof FLUX_INPUT_KINDS)[number];

export const clusterPath = (name: string) => `${paths.clusters}/${encodeURIComponent(name)}`;
export const dashboardPath = (name: string) => `${clusterPath(name)}/dashboard`;
/** The resources a cluster serves. */
export const apiResourcesPath = (name: string) => `${clusterPath(name)}/api-resources`;
export const namespacesPath = (name: string) => `${clusterPath(name)}/namespaces`;
/** The cluster's OpenAPI v3 root, or one group/version's document (`apis/apps/v1`): the YAML editor's schemas. */
export const openApiPath = (name: string, documentPath?: string) => `${clusterPath(name)}/openapi/v3${documentPath ? `/${documentPath}` : ''}`;
/** The pods scheduled on a node. */
export const nodePodsPath = (name: string, node: string) => `${clusterPath(name)}/nodes/${encodeURIComponent(node)}/pods`;
/** One finding, its containers' last log lines filled. */
export const findingPath = (id: string) => `${paths.diagnostics}/${encodeURIComponent(id)}`;
export const fluxClusterPath = (name: string) => `${paths.fluxClusters}/${encodeURIComponent(name)}`;
export const fluxInputsPath = (dns: string, kind: FluxInputKind) =>
  `${paths.fluxInputs}/${encodeURIComponent(dns)}/${kind}`;

const incidentApi = (id: string) => `${paths.incidents}/${encodeURIComponent(id)}`;
export const createIncident = (body: CreateIncident) => api.post<IncidentDetail>(paths.incidents, body);
export const addIncidentNote = ({ id, body }: { id: string; body: string }) => api.post<Note>(`${incidentApi(id)}/notes`, { body });
export const updateIncidentStep = ({ id, step, input }: { id: string; step: number; input: StepInput }) =>
  api.patch<Step>(`${incidentApi(id)}/steps/${step}`, input);
export const resolveIncident = ({ id, resolution }: { id: string; resolution: string }) => api.post<IncidentDetail>(`${incidentApi(id)}/resolve`, { resolution });
export const writePostmortem = ({ id, input }: { id: string; input: PostmortemInput }) => api.post<Postmortem>(`${incidentApi(id)}/postmortem`, input);

const remediationApi = (id: string) => `${paths.remediation}/${encodeURIComponent(id)}`;
export const proposeRemediation = (body: ProposeRequest) => api.post<ProposeResult>(`${paths.remediation}/propose`, body);
export const approveRemediation = ({ id, note }: { id: string; note?: string }) => api.post<RemediationItem>(`${remediationApi(id)}/approve`, { note });
export const rejectRemediation = ({ id, note }: { id: string; note?: string }) => api.post<RemediationItem>(`${remediationApi(id)}/reject`, { note });
export const executeRemediation = (id: string) => api.post<RemediationItem>(`${remediationApi(id)}/execute`, undefined);

export const projectsOfPath = (tenantId: string) => `${paths.projects}?tenantId=${encodeURIComponent(tenantId)}`;
export const appsOfPath = (projectId: string) => `${paths.apps}?projectId=${encodeURIComponent(projectId)}`;
export const createTenant = (body: CreateTenant) => api.post<Tenant>(paths.tenants, body);
export const deleteTenant = (id: string) => api.delete(`${paths.tenants}/${encodeURIComponent(id)}`);
export const createProject = (body: CreateProject) => api.post<Project>(paths.projects, body);
export const deleteProject = (id: string) => api.delete(`${paths.projects}/${encodeURIComponent(id)}`);
export const issueKubeconfig = ({ projectId, input }: { projectId: string; input: IssueKubeconfig }) =>
  api.post<IssuedKubeconfig>(`${paths.projects}/${encodeURIComponent(projectId)}/kubeconfig`, input);
export const createApp = (body: CreateApp) => api.post<App>(paths.apps, body);
export const updateApp = ({ id, input }: { id: string; input: AppSpec }) => api.put<App>(`${paths.apps}/${encodeURIComponent(id)}`, input);
export const deleteApp = (id: string) => api.delete(`${paths.apps}/${encodeURIComponent(id)}`);

/** Usage from `from` to `to` by day, within a tenant and a project when given (a scoped caller's own without). */
export const usageSnapshotPath = (tenant: string) => `${paths.usageSnapshot}?tenant=${encodeURIComponent(tenant)}`;
export const usageOfPath = (q: { tenant: string | null; project: string | null; from: string; to: string }) =>
  `${paths.usage}?${new URLSearchParams({ ...(q.tenant ? { tenant: q.tenant } : {}), ...(q.project ? { project: q.project } : {}), from: q.from, to: q.to, groupBy: 'day' }).toString()}`;
const invoiceApi = (tenantId: string) => `${paths.invoices}/${encodeURIComponent(tenantId)}`;
/** A tenant's invoice of a month (`YYYY-MM`): issued, or the draft. */
export const invoicePath = (tenantId: string, month: string) => `${invoiceApi(tenantId)}?month=${encodeURIComponent(month)}`;
/** The same invoice as a CSV download (a navigation: the session cookie goes along). */
export const invoiceCsvPath = (tenantId: string, month: string) => `${invoiceApi(tenantId)}/csv?month=${encodeURIComponent(month)}`;
/** Issues the invoice of a month that has ended (admin); 422 month_not_over before. */
export const finalizeInvoice = ({ tenantId, month }: { tenantId: string; month: string }) => api.post<Invoice>(`${invoiceApi(tenantId)}/finalize`, { month });
export const createPlan = (body: PlanTerms) => api.post<Plan>(paths.plans, body);
export const deletePlan = (id: string) => api.delete(`${paths.plans}/${encodeURIComponent(id)}`);
export const ordersOfPath = (tenantId: string) => `${paths.orders}?tenant=${encodeURIComponent(tenantId)}`;
export const entitlementOfPath = (tenantId: string) => `${paths.entitlement}?tenant=${encodeURIComponent(tenantId)}`;
const orderApi = (id: string) => `${paths.orders}/${encodeURIComponent(id)}`;
export const createOrder = (body: CreateOrder) => api.post<Order>(paths.orders, body);
/** Stripe's Checkout page of a pending order; 403 stripe_not_configured when the server pays by hand only. */
export const checkoutOrder = (id: string) => api.post<CheckoutStarted>(`${orderApi(id)}/checkout`);
/** Marks a pending order paid outside Stripe (admin). */
export const markOrderPaid = (id: string) => api.post<Order>(`${orderApi(id)}/pay`);
export const cancelOrder = (id: string) => api.post<Order>(`${orderApi(id)}/cancel`);
export const runbookPath = (id: string) => `${paths.runbooks}/${encodeURIComponent(id)}`;
export const createRunbook = (body: RunbookInput) => api.post<Runbook>(paths.runbooks, body);
export const updateRunbook = ({ id, input }: { id: string; input: RunbookInput }) => api.put<Runbook>(runbookPath(id), input);
export const deleteRunbook = (id: string) => api.delete(runbookPath(id));
export const recordFix = (body: FixInput) => api.post<Fix>(paths.fixes, body);

const alertRulePath = (id: string) => `${paths.alertRules}/${encodeURIComponent(id)}`;
const alertChannelPath = (id: string) => `${paths.alertChannels}/${encodeURIComponent(id)}`;
export const createAlertRule = (body: RuleInput) => api.post<RuleView>(paths.alertRules, body);
export const updateAlertRule = ({ id, input }: { id: string; input: RuleInput }) => api.put<RuleView>(alertRulePath(id), input);
export const deleteAlertRule = (id: string) => api.delete(alertRulePath(id));
export const createAlertChannel = (body: ChannelInput) => api.post<ChannelView>(paths.alertChannels, body);
export const updateAlertChannel = ({ id, input }: { id: string; input: ChannelInput }) => api.put<ChannelView>(alertChannelPath(id), input);
export const deleteAlertChannel = (id: string) => api.delete(alertChannelPath(id));
/** Sends a test alert through a channel now (admin); not kept in the delivery log. */
export const testAlertChannel = (channelId: string) => api.post<DeliveryResult>('/api/alerts/test', { channelId });
export const changeAlert = (body: LifecycleChange) => api.post<AlertView>(paths.alertLifecycle, body);
export const askAssistant = (body: AssistantQuestion) => api.post<AssistantAnswer>('/api/assistant', body);
export const sendReferenceFeedback = (body: ReferenceFeedback) => api.post<void>('/api/assistant/references/feedback', body);

const userPath = (username: string) => `${paths.users}/${encodeURIComponent(username)}`;

export const login = (body: LoginRequest) =>
  api.post<Whoami>('/api/auth/login', body, { handleUnauthorized: false });

/** An OIDC session answers with the provider's end-session URL; others with nothing (204). */
export const logout = () => api.post<OidcLogout | undefined>('/api/auth/logout', undefined, { handleUnauthorized: false });
/** The login history of a user, newest first. */
export const userLoginsPath = (username: string) => `/api/users/${encodeURIComponent(username)}/logins`;
/** Where the browser goes to sign in with an OIDC provider (a navigation, not a fetch). */
export const oidcLoginUrl = (provider: string, redirect: string) =>
  `/api/auth/login?${new URLSearchParams({ provider, redirect }).toString()}`;

export const fetchWhoami = (signal?: AbortSignal) =>
  api.get<Whoami>(paths.whoami, { signal, handleUnauthorized: false });

// A wrong current password answers 401 invalid_credentials: not a lost session.
export const changePassword = (body: ChangePasswordRequest) =>
  api.put<void>('/api/auth/password', body, { handleUnauthorized: (err) => err.code !== 'invalid_credentials' });

export const createApiKey = (body: CreateApiKeyRequest) => api.post<CreatedApiKey>(paths.apiKeys, body);

export const revokeApiKey = (key: Pick<ApiKey, 'id'>) =>
  api.delete(`${paths.apiKeys}/${encodeURIComponent(key.id)}`);

export const createUser = (body: CreateUserRequest) => api.post<User>(paths.users, body);

export const updateUser = (username: string, body: UpdateUserRequest) => api.put<User>(userPath(username), body);

export const deleteUser = (username: string) => api.delete(userPath(username));

/** A one-time password reset link for a user (admin): shown once. */
export const issuePasswordReset = (username: string) =>
  api.post<PasswordResetLink>(`${userPath(username)}/password-reset`, undefined);

// Signed out: a 401 here is not a lost session.
export const resetPassword = (body: PasswordResetRequest) =>
  api.post<void>('/api/auth/password-reset', body, { handleUnauthorized: false });

export const register = (body: RegistrationRequest) =>
  api.post<RegistrationPending>('/api/auth/register', body, { handleUnauthorized: false });

export const verifyRegistration = (body: RegistrationVerification) =>
  api.post<User>('/api/auth/register/verify', body, { handleUnauthorized: false });

const skipVerifyQuery = (skipVerify: boolean) => (skipVerify ? '?skipVerify=true' : '');

/** Creates (or, with a connection, registers) a cluster; `skipVerify` stores a connection the server cannot reach. */
export const createCluster = (body: CreateClusterRequest, skipVerify = false) =>
  api.post<Cluster>(`${paths.clusters}${skipVerifyQuery(skipVerify)}`, body);

export const updateCluster = (name: string, body: UpdateClusterRequest, skipVerify = false) =>
  api.put<Cluster>(`${clusterPath(name)}${skipVerifyQuery(skipVerify)}`, body);

export const deleteCluster = (name: string) => api.delete(clusterPath(name));

/** The join tokens made for a cluster name (admin). */
export const joinTokensPath = (name: string) => `${clusterPath(name)}/join-tokens`;

/** A single-use join token for the cluster to be registered as `name`: its value is shown once. */
export const createJoinToken = (name: string, body: CreateJoinTokenRequest) =>
  api.post<CreatedJoinToken>(`${clusterPath(name)}/join-token`, body);

/** Revokes a join token; the answer is the token as it now is. */
export const revokeJoinToken = async (id: string) =>
  (await apiRequest<JoinToken>(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' })).data;

/** Writes of one kind of catalog entry; `remove(id, true)` also drops it from every cluster. */
export interface CatalogEndpoints<K> {
  create: (body: K) => Promise<Written<K>>;
  update: (id: string, body: K) => Promise<Written<K>>;
  remove: (id: string, force?: boolean) => Promise<void>;
}

function catalogEndpoints<K>(base: string): CatalogEndpoints<K> {
  const itemPath = (id: string) => `${base}/${encodeURIComponent(id)}`;
  return {
    create: (body) => api.post<Written<K>>(base, body),
    update: (id, body) => api.put<Written<K>>(itemPath(id), body),
    remove: (id, force = false) => api.delete(force ? `${itemPath(id)}?force=true` : itemPath(id)),
  };
}

export const platformComponents = catalogEndpoints<PlatformComponent>(paths.fluxComponents);
export const fluxNamespaces = catalogEndpoints<FluxNamespace>(paths.fluxNamespaces);
export const fluxRoleBindings = catalogEndpoints<FluxRoleBinding>(paths.fluxRoleBindings);

export const saveClusterAssignments = (name: string, body: ClusterAssignments) =>
  api.put<Written<ClusterAssignments>>(fluxClusterPath(name), body);

export const exportFlux = () => api.get<FluxExport>(paths.fluxExport);

export const importFlux = (document: unknown, options: { dryRun: boolean; prune: boolean }) =>
  api.post<ImportResult>(`${paths.fluxImport}${importQuery(options)}`, document);

/** A cluster's Helm releases (each one's latest revision), all or in one namespace. */
export const helmReleasesPath = (cluster: string, namespace?: string | null) =>
  `${clusterPath(cluster)}/helm/releases${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`;
const helmReleasePath = (cluster: string, namespace: string, name: string) =>
  `${clusterPath(cluster)}/helm/releases/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
/** One revision of a release whole (the latest without `revision`); reading it is audited. */
export const helmRevisionPath = (cluster: string, namespace: string, name: string, revision?: number | null) =>
  `${helmReleasePath(cluster, namespace, name)}${revision ? `?revision=${revision}` : ''}`;
export const helmHistoryPath = (cluster: string, namespace: string, name: string) => `${helmReleasePath(cluster, namespace, name)}/history`;
/** What changed from revision `from` to `to`; reading it is audited. */
export const helmDiffPath = (cluster: string, namespace: string, name: string, from: number, to: number) =>
  `${helmReleasePath(cluster, namespace, name)}/diff?from=${from}&to=${to}`;

// Actions on a cluster's objects: `object` is the object's API path (lib/kinds objectApiPath).

/** Whether the caller may do each check, in order (our gates folded in). */
export const canI = (cluster: string, checks: AccessCheck[]) => api.post<CanIResponse>(`${clusterPath(cluster)}/can-i`, { checks });

const flags = (values: Record<string, string | boolean | undefined>) => {
  const query = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== undefined && v !== false && v !== '').map(([k, v]) => [k, String(v)]));
  return query.size > 0 ? `?${query.toString()}` : '';
};

export const scaleObject = (object: string, replicas: number) => api.post<ScaleResult>(`${object}/scale`, { replicas });
/** A pod without a controller is 409 `unmanaged_pod` unless `force`. */
export const restartObject = (object: string, force = false) => api.post<RestartResult>(`${object}/restart${flags({ force })}`);
/** A Deployment's revisions, newest first. */
export const revisionsPath = (object: string) => `${object}/revisions`;
export const rollbackObject = (object: string, revision: number) => api.post<RollbackResult>(`${object}/rollback`, { revision });
export const triggerCronJob = (object: string) => api.post<TriggerResult>(`${object}/trigger`, {});
export const setCordon = (object: string, cordon: boolean) => api.post<CordonResult>(`${object}/${cordon ? 'cordon' : 'uncordon'}`);
/** What draining the node would do; the drain itself is an event stream (components/DrainDialog). */
export const drainPreviewPath = (object: string) => `${object}/drain/preview`;
export const drainPath = (object: string) => `${object}/drain`;
export const deleteObject = async (object: string, propagationPolicy: PropagationPolicy) =>
  (await apiRequest<DeleteResult>(`${object}${flags({ propagationPolicy })}`, { method: 'DELETE' })).data;
/** Server-side apply of one document to the object; `dryRun` answers what it would become. */
export const applyObject = (object: string, yaml: string, options: { dryRun?: boolean; force?: boolean }) =>
  api.put<KubeObject>(`${object}/yaml${flags(options)}`, { yaml });
/** Server-side apply of many documents, all checked by a dry run first. */
export const applyManifests = (cluster: string, yaml: string, options: { dryRun?: boolean; force?: boolean; namespace?: string }) =>
  api.post<ApplyResult>(`${clusterPath(cluster)}/apply${flags(options)}`, { yaml });
/** The risk guard's findings on manifests before they are applied (a read; not audited). */
export const analyzeManifests = (request: AnalyzeRequest) => api.post<RiskGuardReport>('/api/risk-guard/analyze', request);
/** One value of a Secret, decoded; audited. */
export const revealSecret = (cluster: string, namespace: string, name: string, key: string) =>
  api.get<SecretValue>(`${clusterPath(cluster)}/secrets/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/data/${encodeURIComponent(key)}`);
/** Runs a read-only kubectl command on the cluster as the caller; audited. */
export const runKubectl = (cluster: string, args: string[]) => api.post<KubectlResult>(`${clusterPath(cluster)}/kubectl`, { args });
