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
