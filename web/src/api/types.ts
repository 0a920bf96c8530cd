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

export type User = Schemas['User'];
export type UserList = Schemas['UserList'];
export type CreateUserRequest = Schemas['CreateUser'];
export type UpdateUserRequest = Schemas['UpdateUser'];

export type AuditOutcome = Schemas['Outcome'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditPage = Schemas['AuditPage'];
/** The query parameters of GET /api/audit. */
export type AuditQuery = NonNullable<operations['list_audit']['parameters']['query']>;

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
