// Every API call the console makes. Reads are paths (fed to useApi); writes are functions.
import { api } from './client';
import type {
  ApiKey,
  ChangePasswordRequest,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreateUserRequest,
  LoginRequest,
  UpdateUserRequest,
  User,
  Whoami,
} from './types';

export const paths = {
  authConfig: '/api/auth/config',
  whoami: '/api/auth/whoami',
  version: '/version',
  apiKeys: '/api/auth/api-keys',
  users: '/api/users',
  audit: '/api/audit',
} as const;

const userPath = (username: string) => `${paths.users}/${encodeURIComponent(username)}`;

export const login = (body: LoginRequest) =>
  api.post<Whoami>('/api/auth/login', body, { handleUnauthorized: false });

export const logout = () => api.post<void>('/api/auth/logout', undefined, { handleUnauthorized: false });

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
