// The API types the console uses, named for the console, taken from the schema that
// `npm run gen:api` generates from ../openapi.yaml (itself generated from the server code).
import type { components, operations } from './schema';

type Schemas = components['schemas'];

export type ErrorBody = Schemas['ErrorBody'];

export type Role = Schemas['Role'];
export type AuthMethod = Schemas['AuthMethod'];
export type AuthConfig = Schemas['AuthConfig'];
export type Whoami = Schemas['WhoAmI'];
export type LoginRequest = Schemas['LoginRequest'];
export type ChangePasswordRequest = Schemas['PasswordChange'];
export type VersionInfo = Schemas['VersionInfo'];

export type ApiKey = Schemas['ApiKey'];
export type ApiKeyList = Schemas['ApiKeyList'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type CreateApiKeyRequest = Schemas['CreateApiKey'];

export type JoinToken = Schemas['JoinToken'];
export type Tenant = Schemas['Tenant'];
export type TenantList = Schemas['TenantList'];
export type CreateTenant = Schemas['CreateTenant'];
export type Project = Schemas['Project'];
export type ProjectList = Schemas['ProjectList'];
export type CreateProject = Schemas['CreateProject'];
export type IssueKubeconfig = Schemas['IssueKubeconfig'];
export type IssuedKubeconfig = Schemas['IssuedKubeconfig'];
export type Quota = Schemas['Quota'];
export type App = Schemas['App'];
export type AppList = Schemas['AppList'];
export type CreateApp = Schemas['CreateApp'];
export type AppSpec = Schemas['AppSpec'];
export type PlatformPolicyView = Schemas['PlatformPolicyView'];
export type JoinTokenList = Schemas['JoinTokenList'];
export type JoinTokenState = Schemas['JoinTokenState'];
export type CreatedJoinToken = Schemas['CreatedJoinToken'];
export type CreateJoinTokenRequest = Schemas['CreateJoinToken'];
// Billing: usage, invoices, plans, orders and the entitlement they make.
export type UsageReport = Schemas['UsageReport'];
export type UsageSnapshot = Schemas['UsageSnapshot'];
export type NamespaceNow = Schemas['NamespaceNow'];
export type UsageLine = Schemas['UsageLine'];
export type Invoice = Schemas['Invoice'];
export type Plan = Schemas['Plan'];
export type PlanList = Schemas['PlanList'];
export type PlanTerms = Schemas['PlanTerms'];
export type Order = Schemas['Order'];
export type OrderList = Schemas['OrderList'];
export type OrderStatus = Schemas['OrderStatus'];
export type CreateOrder = Schemas['CreateOrder'];
export type CheckoutStarted = Schemas['CheckoutStarted'];
export type Entitlement = Schemas['Entitlement'];
export type EntitlementField = Schemas['EntitlementField'];

export type User = Schemas['User'];
export type UserList = Schemas['UserList'];
export type CreateUserRequest = Schemas['CreateUser'];
export type UpdateUserRequest = Schemas['UpdateUser'];

export type AuditOutcome = Schemas['Outcome'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditPage = Schemas['AuditPage'];
/** The query parameters of GET /api/audit. */
export type AuditQuery = NonNullable<operations['list_audit']['parameters']['query']>;
export type AuditVerification = Schemas['AuditVerification'];
export type ChainProblem = Schemas['ChainProblem'];

// Clusters and the Flux catalog. Clusters are lowerCamelCase; the catalog, assignments, import
// and inputs keep the Flux contract's snake_case names.

export type Cluster = Schemas['Cluster'];
export type ClusterList = Schemas['ClusterList'];
export type CreateClusterRequest = Schemas['CreateCluster'];
/** Absent fields stay unchanged; `dns: null` clears the dns. */
export type UpdateClusterRequest = Schemas['UpdateCluster'];
/** GET /api/flux/environments: the environments a cluster may be in. */
export type EnvironmentList = Schemas['Items_String'];

export type PlatformComponent = Schemas['PlatformComponent'];
export type PlatformComponentList = Schemas['Items_PlatformComponent'];
export type FluxNamespace = Schemas['FluxNamespace'];
export type FluxNamespaceList = Schemas['Items_FluxNamespace'];
export type FluxRoleBinding = Schemas['FluxRoleBinding'];
export type FluxRoleBindingList = Schemas['Items_FluxRoleBinding'];
export type FluxSubject = Schemas['Subject'];
export type SubjectKind = Schemas['SubjectKind'];

/** A write succeeded, but a cluster's Flux inputs now exceed the size limit. */
export type FluxWarning = Schemas['Warning'];
/** What a catalog or assignment write answers (Written_PlatformComponent, ...): the stored value and its warnings. */
export type Written<T> = T & { warnings: FluxWarning[] };

export type ComponentAssignment = Schemas['ComponentAssignment'];
/**
 * Per component id: key -> any JSON value. The spec types patch values as `type: object`, which
 * openapi-typescript renders as Record<string, never>; the values are really any JSON.
 */
export type ClusterPatches = Record<string, Record<string, unknown>>;
export type ClusterAssignments = Omit<Schemas['ClusterAssignments'], 'patches'> & { patches?: ClusterPatches };

/** GET /api/flux/export, and what POST /api/flux/import takes. */
export type FluxExport = Schemas['CatalogDocument'];
export type ImportCounts = Schemas['Counts'];
export type ImportResult = Schemas['ImportReport'];

/** The Flux inputs of one cluster: {"inputs": [...]}. */
export type FluxInputs = Schemas['Inputs_ComponentInput'] | Schemas['Inputs_NamespaceInput'] | Schemas['Inputs_RoleBindingInput'];

// The fleet: every cluster's status and summary, and one cluster's dashboard.
export type Fleet = Schemas['Fleet'];
export type FleetEntry = Schemas['FleetEntry'];
export type FleetError = Schemas['FleetError'];
export type Rollup = Schemas['Rollup'];
export type ClusterStatus = Schemas['ClusterStatus'];
export type ClusterSummary = Schemas['ClusterSummary'];
export type HotSignals = Schemas['HotSignals'];
export type Dashboard = Schemas['Dashboard'];
export type NodeLine = Schemas['NodeLine'];
export type AuthzMode = Schemas['AuthzMode'];

// A cluster's resources (the inventory): discovery, list rows, objects and their views.
export type ResourceInfo = Schemas['ResourceInfo'];
export type ApiResourceList = Schemas['ApiResourceList'];
export type ContainerInfo = Schemas['ContainerInfo'];
export type ContainerState = Schemas['ContainerState'];
export type ContainerList = Schemas['ContainerList'];
/** GET /api/features: which kinds' lists can be streamed. */
export type Features = Schemas['Features'];
/** A custom resource's printer column value in a row. */
export type PrinterCell = Schemas['Column'];

/**
 * The kind-specific part of a row. The schema spells these fields snake_case, but the server
 * sends them camelCase (its serde `rename_all_fields`, which the schema generator does not read).
 */
export type RowSummary =
  | { type: 'pod'; phase: string; readyContainers: number; containers: number; node?: string | null; podIp?: string | null; reason?: string | null }
  | { type: 'workload'; desired: number; ready: number; updated: number; available: number }
  | { type: 'node'; ready: boolean; unschedulable: boolean; roles: string[]; kubeletVersion: string; internalIp?: string | null; taints: string[] }
  | { type: 'event'; eventType: string; reason: string; object: string; count: number; message: string; lastSeen?: string | null }
  | { type: 'job'; completions: number; succeeded: number; active: number; failed: number }
  | { type: 'cronJob'; schedule: string; suspend: boolean; active: number; lastSchedule?: string | null }
  | { type: 'volume'; phase: string; capacity?: string | null; storageClass?: string | null; accessModes: string[]; boundTo?: string | null }
  | { type: 'service'; serviceType: string; clusterIp?: string | null; external: string[]; ports: string[] }
  | { type: 'ingress'; class?: string | null; hosts: string[]; address: string[] }
  | { type: 'data'; keys: string[]; secretType?: string | null }
  | { type: 'namespace'; phase: string }
  | { type: 'columns'; columns: PrinterCell[] }
  | { type: 'other' };

/** A list row: what a table shows of one object. */
export type ResourceRow = Omit<Schemas['Row'], 'summary'> & { summary: RowSummary };
/** A list answer of rows (not `?full=true`). */
export type ResourceRowList = Omit<Schemas['ResourceList'], 'items'> & { items: ResourceRow[] };
/** The events about one object, newest first. */
export interface EventRowList {
  items: ResourceRow[];
}

/** An object as the server sends it (Secret values redacted): any JSON beyond its metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

// Search (GET /api/search, /api/clusters/{c}/search): not in the schema yet.

export type SearchMatch = 'exact' | 'prefix' | 'substring';

export interface SearchHit {
  cluster: string;
  /** '' for the core group. */
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace: string | null;
  name: string;
  match: SearchMatch;
}

export interface SearchResult {
  /** Ranked: exact, then prefix, then substring matches. */
  items: SearchHit[];
  /** The clusters that could not be searched. */
  errors: { cluster: string; code: string; message: string }[];
}

// Helm releases (read only): lists and histories of rows, one revision whole, and diffs.
export type HelmRelease = Schemas['ReleaseSummary'];
export type HelmReleaseList = Schemas['ReleaseList'];
export type HelmReleaseHistory = Schemas['ReleaseHistory'];
export type HelmSkippedSecret = Schemas['SkippedSecret'];
export type HelmManifestResource = Schemas['ManifestResource'];
/** The schema types values as `type: object`; they are any JSON map. */
export type HelmReleaseDetail = Omit<Schemas['ReleaseDetail'], 'values'> & {
  values: { user: Record<string, unknown>; computed: Record<string, unknown> };
};
export type HelmValueChange = Schemas['ValueChange'];
export type HelmValuesDiff = Schemas['ValuesDiff'];
export type HelmResourceChange = Schemas['ResourceChange'];
export type HelmReleaseDiff = Schemas['ReleaseDiff'];

// Actions on a cluster's objects (docs/api.md "Actions", "Permission pre-checks").
export type CanIResponse = Schemas['CanIResponse'];
export type ScaleResult = Schemas['ScaleResult'];
export type RestartResult = Schemas['RestartResult'];
export type Revision = Schemas['Revision'];
export type RevisionList = Schemas['RevisionList'];
export type RollbackResult = Schemas['RollbackResult'];
export type TriggerResult = Schemas['TriggerResult'];
export type CordonResult = Schemas['CordonResult'];
export type DeleteResult = Schemas['DeleteResult'];
export type DrainRequest = Schemas['DrainRequest'];
export type ApplyResult = Schemas['ApplyResult'];

// The risk guard: POST /api/risk-guard/analyze, and the findings an apply answers.
export type AnalyzeRequest = Schemas['AnalyzeRequest'];
export type RiskGuardReport = Schemas['RiskGuardReport'];
export type RiskAnalysis = Schemas['RiskAnalysis'];
export type RiskFinding = Schemas['RiskFinding'];
export type RiskSeverity = Schemas['RiskSeverity'];
export type RiskGuardPolicy = Schemas['RiskGuardPolicy'];
export type AppliedObject = Schemas['AppliedObject'];
export type SecretValue = Schemas['SecretValue'];
// Permission pre-checks (POST /api/clusters/{c}/can-i).
export type CanIRequest = Schemas['CanIRequest'];
// The console's read-only kubectl.
export type KubectlResult = Schemas['KubectlResult'];
// Local accounts: password reset links and self-service registration.
export type PasswordResetLink = Schemas['PasswordResetLink'];
export type PasswordResetRequest = Schemas['PasswordReset'];
export type RegistrationRequest = Schemas['Registration'];
export type RegistrationPending = Schemas['RegistrationPending'];
export type RegistrationVerification = Schemas['RegistrationVerification'];
// OIDC sign-in and the login history.
export type AuthProvider = Schemas['AuthProvider'];
export type OidcLogout = Schemas['OidcLogout'];
export type LoginList = Schemas['LoginList'];

// Diagnostics: the findings the monitor keeps about each cluster's objects.
export type StoredFinding = Schemas['StoredFinding'];
export type FindingList = Schemas['FindingList'];
export type FindingClass = Schemas['FindingClass'];
export type FindingSeverity = Schemas['Severity'];
export type FindingObjectRef = Schemas['ObjectRef'];
export type FindingRemediation = Schemas['Remediation'];
export type ContainerEvidence = Schemas['ContainerEvidence'];
// Incidents and postmortems.
export type Incident = Schemas['Incident'];
export type IncidentList = Schemas['IncidentList'];
export type IncidentDetail = Schemas['IncidentDetail'];
export type IncidentState = Schemas['IncidentState'];
export type CreateIncident = Schemas['CreateIncident'];
export type Step = Schemas['Step'];
export type Note = Schemas['Note'];
export type StepState = Schemas['StepState'];
export type StepInput = Schemas['StepInput'];
export type TimelineEntry = Schemas['TimelineEntry'];
export type Replay = Schemas['Replay'];
export type Postmortem = Schemas['Postmortem'];
export type PostmortemInput = Schemas['PostmortemInput'];
export type PostmortemAction = Schemas['PostmortemAction'];
// Remediation: proposals from findings, the two-person decision, the execution, the GitOps artifact.
export type RemediationItem = Schemas['RemediationItem'];
export type RemediationList = Schemas['RemediationList'];
export type RemediationState = Schemas['RemediationState'];
export type ProposeRequest = Schemas['ProposeRequest'];
export type ContainerResources = Schemas['ContainerResources'];
export type ProposeResult = Schemas['ProposeResult'];
export type GitopsArtifact = Schemas['GitopsArtifact'];
// Memory: runbooks and the fixes recorded against findings.
export type Runbook = Schemas['Runbook'];
export type RunbookList = Schemas['RunbookList'];
export type RunbookInput = Schemas['RunbookInput'];
export type Fix = Schemas['Fix'];
export type FixList = Schemas['FixList'];
export type FixInput = Schemas['FixInput'];
/** The query parameters of GET /api/diagnostics. */
export type FindingsQuery = NonNullable<operations['list_findings']['parameters']['query']>;

export type SloStatus = Schemas['SloStatus'];
export type SloList = Schemas['SloList'];
export type WorkloadSlo = Schemas['WorkloadSlo'];
export type BurnRate = Schemas['BurnRate'];
export type BurnAlert = Schemas['BurnAlert'];
export type RightsizingList = Schemas['RightsizingList'];
export type WorkloadRightsizing = Schemas['WorkloadRightsizing'];
export type ContainerRightsizing = Schemas['ContainerRightsizing'];
export type RightsizingVerdict = Schemas['RightsizingVerdict'];

// Alerts: channels (secrets write-only), rules, the alerts they raise and every delivery.
export type AlertState = Schemas['AlertState'];
export type AlertView = Schemas['AlertView'];
export type AlertList = Schemas['AlertList'];
export type AlertSeverity = Schemas['Severity'];
export type LifecycleChange = Schemas['LifecycleChange'];
export type LifecycleAction = Schemas['LifecycleAction'];
export type ChannelKind = Schemas['ChannelKind'];
export type ChannelView = Schemas['ChannelView'];
export type ChannelList = Schemas['ChannelList'];
export type ChannelInput = Schemas['ChannelInput'];
export type ChannelSettings = Schemas['ChannelSettings'];
export type SmtpSecurity = Schemas['SmtpSecurityWord'];
export type RuleView = Schemas['RuleView'];
export type RuleList = Schemas['RuleList'];
export type RuleInput = Schemas['RuleInput'];
export type RuleSource = Schemas['RuleSource'];
export type SloAlertStatus = Schemas['SloAlertStatus'];
export type DeliveryView = Schemas['DeliveryView'];
export type DeliveryList = Schemas['DeliveryList'];
export type DeliveryResult = Schemas['DeliveryResult'];
export type AttemptView = Schemas['AttemptView'];

// Predictions.
export type PredictionKind = Schemas['PredictionKind'];
export type PredictionSource = Schemas['PredictionSource'];
export type FallbackReason = Schemas['FallbackReason'];
export type PredictedObject = Schemas['PredictedObject'];
export type PredictionUnit = Schemas['Unit'];
export type PredictionEvidence = Schemas['PredictionEvidence'];
export type Prediction = Schemas['Prediction'];
export type PredictionList = Schemas['PredictionList'];

// The assistant and its telemetry.
export type AssistantQuestion = Schemas['AssistantQuestion'];
export type AssistantAnswer = Schemas['AssistantAnswer'];
export type Citation = Schemas['Citation'];
export type ReferenceKind = Schemas['ReferenceKind'];
export type ReferenceFeedback = Schemas['ReferenceFeedback'];
export type RagTelemetry = Schemas['RagTelemetry'];
