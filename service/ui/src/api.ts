// The one way the UI talks to the service: same-origin JSON with the session cookie. The CSRF
// token lives in this module only (never in web storage), and every change carries it.
import type {
  AdminFlagPage,
  AuditFilters,
  AuditPage,
  ChangeRequest,
  ChangeRequestState,
  CreateFlagInput,
  Environment,
  Evaluation,
  Flag,
  FlagdImportResult,
  FlagdSyncSettings,
  FlagEnvironments,
  FlagPatch,
  FlagUsage,
  MintedToken,
  MintTokenInput,
  PromotionReport,
  PromotionRequest,
  ScheduledChange,
  Segment,
  SegmentDetail,
  SegmentInput,
  SegmentPatch,
  Session,
  SignInOptions,
  Token,
} from './types.ts';

/** A refused request: the service's error body when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: Record<string, unknown> | undefined;

  constructor(status: number, message: string, code: string, body?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

let csrfToken: string | null = null;
let onSessionEnded: () => void = () => {};

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** Called once, by the app: what to do when the service stops accepting the session. */
export function handleSessionEnded(handler: () => void) {
  onSessionEnded = handler;
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  ifMatch?: number;
  /** The answer's text as it came, rather than parsed. */
  text?: boolean;
}

export function withQuery(path: string, query: Query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;

  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'Cannot reach Flagstone. Check your connection and try again.', 'NETWORK_ERROR');
  }

  if (options.text && response.ok) return (await response.text()) as T;
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;
  const body: unknown =
    response.status === 204 || !isJson ? undefined : await response.json().catch(() => undefined);
  if (response.ok) return body as T;

  const error = (body ?? {}) as Record<string, unknown>;
  const message =
    typeof error.message === 'string'
      ? error.message
      : typeof error.errorDetails === 'string'
        ? error.errorDetails
        : `The service answered ${response.status} ${response.statusText}.`;
  const code =
    typeof error.code === 'string' ? error.code : typeof error.errorCode === 'string' ? error.errorCode : '';
  // The session endpoints answer 401 for "no session" or "wrong token": the sign-in screen handles those.
  if (response.status === 401 && !path.startsWith('/api/session')) onSessionEnded();
  throw new ApiError(response.status, message, code, body === undefined ? undefined : error);
}

const env = (environment: string) => ({ environment });
const seg = encodeURIComponent;

export const api = {
  session: {
    get: () => request<Session>('GET', '/api/session'),
    options: () => request<SignInOptions>('GET', '/api/session/options'),
    signIn: (token: string) => request<Session>('POST', '/api/session', { body: { token } }),
    signOut: () => request<void>('DELETE', '/api/session'),
  },
  flags: {
    list: (
      environment: string,
      query: { q?: string; archived: boolean; stale?: boolean; cursor?: string; limit?: number },
    ) => request<AdminFlagPage>('GET', '/api/admin/flags', { query: { ...env(environment), ...query } }),
    get: (environment: string, key: string) =>
      request<Flag>('GET', `/api/admin/flags/${seg(key)}`, { query: env(environment) }),
    create: (environment: string, body: CreateFlagInput) =>
      request<Flag>('POST', '/api/admin/flags', { query: env(environment), body }),
    /** The flag as changed; in a protected environment, the change request it became. */
    update: (environment: string, key: string, patch: FlagPatch, ifMatch?: number) =>
      request<Flag | ChangeRequest>('PATCH', `/api/admin/flags/${seg(key)}`, {
        query: env(environment),
        body: patch,
        ifMatch,
      }),
    archive: (environment: string, key: string) =>
      request<undefined | ChangeRequest>('DELETE', `/api/admin/flags/${seg(key)}`, {
        query: env(environment),
      }),
    restore: (environment: string, key: string) =>
      request<Flag | ChangeRequest>('POST', `/api/admin/flags/${seg(key)}/restore`, {
        query: env(environment),
      }),
    requiredBy: (environment: string, key: string) =>
      request<{ flags: string[] }>('GET', `/api/admin/flags/${seg(key)}/required-by`, {
        query: env(environment),
      }),
    history: (environment: string, key: string, page: { cursor?: string; limit?: number } = {}) =>
      request<AuditPage>('GET', `/api/admin/flags/${seg(key)}/history`, {
        query: { ...env(environment), ...page },
      }),
    /** The flag in every environment the session may read, side by side. */
    environments: (key: string) =>
      request<FlagEnvironments>('GET', `/api/admin/flags/${seg(key)}/environments`),
    /** Copies the flag's configuration and segments from one environment to others (or previews it). */
    promote: (key: string, body: PromotionRequest) =>
      request<PromotionReport>('POST', `/api/admin/flags/${seg(key)}/promote`, { body }),
    usage: (environment: string, key: string, granularity: 'hour' | 'day') =>
      request<FlagUsage>('GET', `/api/admin/flags/${seg(key)}/usage`, {
        query: { ...env(environment), granularity },
      }),
    evaluate: (environment: string, key: string, context: Record<string, unknown>) =>
      request<Evaluation>('POST', `/api/admin/flags/${seg(key)}/evaluate`, {
        query: env(environment),
        body: { context },
      }),
  },
  segments: {
    list: (environment: string) =>
      request<{ segments: Segment[] }>('GET', '/api/admin/segments', { query: env(environment) }),
    get: (environment: string, key: string) =>
      request<SegmentDetail>('GET', `/api/admin/segments/${seg(key)}`, { query: env(environment) }),
    create: (environment: string, body: SegmentInput) =>
      request<Segment>('POST', '/api/admin/segments', { query: env(environment), body }),
    update: (environment: string, key: string, patch: SegmentPatch, ifMatch?: number) =>
      request<Segment | ChangeRequest>('PATCH', `/api/admin/segments/${seg(key)}`, {
        query: env(environment),
        body: patch,
        ifMatch,
      }),
    remove: (environment: string, key: string) =>
      request<undefined | ChangeRequest>('DELETE', `/api/admin/segments/${seg(key)}`, {
        query: env(environment),
      }),
  },
  schedules: {
    list: (environment: string, flag: string) =>
      request<{ scheduledChanges: ScheduledChange[] }>('GET', '/api/admin/scheduled-changes', {
        query: { ...env(environment), flag },
      }),
    create: (environment: string, flag: string, change: FlagPatch, applyAt: string) =>
      request<ScheduledChange>('POST', '/api/admin/scheduled-changes', {
        query: env(environment),
        body: { flag, change, applyAt },
      }),
    cancel: (id: string) => request<void>('DELETE', `/api/admin/scheduled-changes/${seg(id)}`),
  },
  audit: (environment: string, page: AuditFilters & { cursor?: string; limit?: number } = {}) =>
    request<AuditPage>('GET', '/api/admin/audit', { query: { ...env(environment), ...page } }),
  tokens: {
    list: () => request<{ tokens: Token[] }>('GET', '/api/admin/tokens'),
    mint: (body: MintTokenInput) => request<MintedToken>('POST', '/api/admin/tokens', { body }),
    revoke: (id: string) => request<void>('DELETE', `/api/admin/tokens/${seg(id)}`),
  },
  flagd: {
    /** The environment's flagd document, as the service wrote it (its size is the download's). */
    export: (environment: string) =>
      request<string>('GET', '/api/admin/flagd/export', { query: env(environment), text: true }),
    sync: (environment: string) =>
      request<FlagdSyncSettings>('GET', '/api/admin/flagd/sync', { query: env(environment) }),
    import: (environment: string, document: unknown, dryRun: boolean) =>
      request<FlagdImportResult>('POST', '/api/admin/flagd/import', {
        query: { ...env(environment), dryRun },
        body: document,
      }),
  },
  changeRequests: {
    list: (environment: string, state?: ChangeRequestState) =>
      request<{ changeRequests: ChangeRequest[] }>('GET', '/api/admin/change-requests', {
        query: { ...env(environment), state },
      }),
    approve: (id: string, comment?: string, applyAt?: string) =>
      request<ChangeRequest>('POST', `/api/admin/change-requests/${seg(id)}/approve`, {
        body: { ...(comment ? { comment } : {}), ...(applyAt ? { applyAt } : {}) },
      }),
    reject: (id: string, comment: string) =>
      request<ChangeRequest>('POST', `/api/admin/change-requests/${seg(id)}/reject`, { body: { comment } }),
  },
  environments: {
    list: () => request<{ environments: Environment[] }>('GET', '/api/admin/environments'),
    create: (key: string) => request<Environment>('POST', '/api/admin/environments', { body: { key } }),
  },
};

/** What a change route answered in a protected environment: the request, not the changed item. */
export const isChangeRequest = (answer: unknown): answer is ChangeRequest =>
  typeof answer === 'object' && answer !== null && 'proposedBy' in answer && 'baseVersions' in answer;

/** What the UI says when a protected environment turned a change into a request. */
export const proposedMessage = (environment: string) =>
  `Proposed: ${environment} is protected, so the change waits for another person's approval (see Requests).`;
