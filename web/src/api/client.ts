// The one fetch helper of the console: same-origin cookies, JSON in and out,
// and every non-2xx answer turned into an ApiError from the server's envelope
// {"error", "code", "requestId", "details"}.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;
  /** Seconds to wait, from a Retry-After header (429). */
  readonly retryAfter?: number;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string;
    details?: Record<string, unknown>;
    retryAfter?: number;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.retryAfter = init.retryAfter;
  }
}

/** Retry-After is either delay-seconds or an HTTP date; answers whole seconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Builds an ApiError from a failed response's status, body text and headers. */
export function errorFromResponse(status: number, statusText: string, bodyText: string, headers: Headers): ApiError {
  const body = parseJson(bodyText);
  const envelope = isRecord(body) ? body : {};
  const message =
    typeof envelope.error === 'string' && envelope.error !== ''
      ? envelope.error
      : statusText || `HTTP ${status}`;
  const code = typeof envelope.code === 'string' && envelope.code !== '' ? envelope.code : `http_${status}`;
  const requestId =
    typeof envelope.requestId === 'string' ? envelope.requestId : (headers.get('x-request-id') ?? undefined);
  const details = isRecord(envelope.details) ? envelope.details : undefined;
  return new ApiError({
    status,
    code,
    message,
    requestId,
    details,
    retryAfter: parseRetryAfter(headers.get('retry-after')),
  });
}

/** Anything thrown while calling the API, as an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError({ status: 0, code: 'network_error', message: `Cannot reach the server: ${message}` });
}

let unauthorizedHandler: ((err: ApiError) => void) | null = null;

/** Called on any 401 answer (unless the request opts out): the session is gone. */
export function setUnauthorizedHandler(handler: ((err: ApiError) => void) | null): void {
  unauthorizedHandler = handler;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Whether a 401 means "signed out" (the default) and goes to the unauthorized handler.
   * false, or a predicate answering false, for calls whose 401 means "wrong credentials".
   */
  handleUnauthorized?: boolean | ((err: ApiError) => boolean);
  /** 'text': the body is not JSON (a YAML view) and `data` is the text itself. */
  responseType?: 'json' | 'text';
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
  /** The body exactly as received (e.g. to measure its size). */
  text: string;
}

function sessionEnded(error: ApiError, handle: RequestOptions['handleUnauthorized']): boolean {
  if (typeof handle === 'function') return handle(error);
  return handle !== false;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const method = options.method ?? 'GET';
  const wantsText = options.responseType === 'text';
  // Errors come as JSON whatever the route answers otherwise.
  const headers: Record<string, string> = { Accept: wantsText ? 'application/yaml, text/plain, application/json' : 'application/json' };
  // The server refuses cookie-authenticated writes without a JSON content type.
  if (method !== 'GET') headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw toApiError(err);
  }

  const text = await res.text();
  if (!res.ok) {
    const error = errorFromResponse(res.status, res.statusText, text, res.headers);
    if (res.status === 401 && sessionEnded(error, options.handleUnauthorized)) unauthorizedHandler?.(error);
    throw error;
  }
  if (wantsText) return { data: text as T, status: res.status, headers: res.headers, text };
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError({ status: res.status, code: 'invalid_response', message: 'The server sent a response that is not JSON' });
    }
  }
  return { data: data as T, status: res.status, headers: res.headers, text };
}

export const api = {
  get: async <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    (await apiRequest<T>(path, { ...options, method: 'GET' })).data,
  post: async <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    (await apiRequest<T>(path, { ...options, method: 'POST', body })).data,
  put: async <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    (await apiRequest<T>(path, { ...options, method: 'PUT', body })).data,
  patch: async <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    (await apiRequest<T>(path, { ...options, method: 'PATCH', body })).data,
  delete: async (path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => {
    await apiRequest<void>(path, { ...options, method: 'DELETE' });
  },
};

/**
 * POSTs `body` to an event-stream route (EventSource cannot POST) and hands each chunk of the
 * answer's text to `onText` as it arrives; resolves when the stream ends. A refusal before the
 * stream starts is thrown as an ApiError, as apiRequest does.
 */
export async function postEventStream(path: string, body: unknown, onText: (text: string) => void, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: { Accept: 'text/event-stream, application/json', 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw toApiError(err);
  }
  if (!res.ok || !res.body) {
    const error = errorFromResponse(res.status, res.statusText, await res.text(), res.headers);
    if (res.status === 401) unauthorizedHandler?.(error);
    throw error;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onText(value);
  }
}
