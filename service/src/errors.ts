// Errors the domain raises on purpose. Each has a stable code a client can branch on, the
// HTTP status it maps to, and a message that says what went wrong and what to do.

export class DomainError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Sent as Retry-After: when it makes sense to try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, statusCode: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const quotedList = (items: string[]) => items.map((item) => `'${item}'`).join(', ');

export const errors = {
  flagNotFound: (environment: string, key: string) =>
    new DomainError(
      'FLAG_NOT_FOUND',
      404,
      `Flag '${key}' does not exist in environment '${environment}'. Check the key, or create it with POST /api/admin/flags.`,
    ),
  environmentNotFound: (environment: string) =>
    new DomainError(
      'ENVIRONMENT_NOT_FOUND',
      404,
      `Environment '${environment}' does not exist. List environments with GET /api/admin/environments.`,
    ),
  flagExists: (environment: string, key: string) =>
    new DomainError(
      'FLAG_EXISTS',
      409,
      `Flag '${key}' already exists in environment '${environment}'. Change it with PATCH /api/admin/flags/${key}.`,
    ),
  flagArchived: (environment: string, key: string) =>
    new DomainError(
      'FLAG_ARCHIVED',
      409,
      `Flag '${key}' is archived in environment '${environment}', so its key is taken. Bring it back as it was with POST /api/admin/flags/${key}/restore?environment=${environment} (then change it with PATCH), or create the flag under another key.`,
    ),
  flagNotArchived: (environment: string, key: string) =>
    new DomainError(
      'FLAG_NOT_ARCHIVED',
      409,
      `Flag '${key}' is not archived in environment '${environment}', so there is nothing to restore. Change it with PATCH /api/admin/flags/${key}.`,
    ),
  environmentExists: (environment: string) =>
    new DomainError('ENVIRONMENT_EXISTS', 409, `Environment '${environment}' already exists.`),
  versionMismatch: (key: string, expected: number, actual: number, what: 'Flag' | 'Segment' = 'Flag') =>
    new DomainError(
      'VERSION_MISMATCH',
      412,
      `${what} '${key}' is at version ${actual}, not ${expected}: someone changed it first. Read it again and retry with If-Match: ${actual}.`,
    ),
  twoEnvironments: (query: string, body: string) =>
    new DomainError(
      'VALIDATION_ERROR',
      400,
      `The query names environment '${query}' and the body '${body}'. Name the environment once, in either place.`,
    ),
  invalidFlag: (message: string) => new DomainError('INVALID_FLAG', 400, message),
  invalidSegment: (message: string) => new DomainError('INVALID_SEGMENT', 400, message),
  segmentNotFound: (environment: string, key: string) =>
    new DomainError(
      'SEGMENT_NOT_FOUND',
      404,
      `Segment '${key}' does not exist in environment '${environment}'. List segments with GET /api/admin/segments.`,
    ),
  segmentExists: (environment: string, key: string) =>
    new DomainError(
      'SEGMENT_EXISTS',
      409,
      `Segment '${key}' already exists in environment '${environment}'. Change it with PATCH /api/admin/segments/${key}.`,
    ),
  segmentInUse: (key: string, flags: string[]) =>
    new DomainError(
      'SEGMENT_IN_USE',
      409,
      `Segment '${key}' is used by the rules of ${flags.map((f) => `'${f}'`).join(', ')}. Remove it from those rules first.`,
    ),
  prerequisiteNotFound: (environment: string, key: string, required: string) =>
    new DomainError(
      'PREREQUISITE_NOT_FOUND',
      400,
      `Flag '${key}' names '${required}' as a prerequisite, but environment '${environment}' has no live flag '${required}'. Create or restore '${required}' first, or take it out of prerequisites.`,
    ),
  prerequisiteVariantNotFound: (key: string, required: string, missing: string[], known: string[]) =>
    new DomainError(
      'PREREQUISITE_VARIANT_NOT_FOUND',
      400,
      `Flag '${key}' requires '${required}' to serve ${quotedList(missing)}, which '${required}' does not have (its variants: ${known.length > 0 ? quotedList(known) : 'none'}). Name variants it has.`,
    ),
  prerequisiteCycle: (path: string[]) =>
    new DomainError(
      'PREREQUISITE_CYCLE',
      409,
      `Prerequisites would go round in a circle: ${path.map((k) => `'${k}'`).join(' → ')}. A flag cannot require itself, directly or through others; take one of these prerequisites out.`,
    ),
  prerequisiteLimit: (key: string, what: string) =>
    new DomainError(
      'PREREQUISITE_LIMIT',
      400,
      `Flag '${key}' would ${what}. Shorten the chain or require fewer flags, so evaluation stays fast.`,
    ),
  prerequisiteVariantInUse: (key: string, users: { flag: string; variants: string[] }[]) =>
    new DomainError(
      'PREREQUISITE_VARIANT_IN_USE',
      409,
      `Flag '${key}' would lose variants other flags require it to serve: ${users.map((u) => `'${u.flag}' requires ${quotedList(u.variants)}`).join('; ')}. Change those flags' prerequisites first, or keep the variants.`,
    ),
  flagRequired: (key: string, flags: string[]) =>
    new DomainError(
      'FLAG_REQUIRED',
      409,
      `Flag '${key}' is a prerequisite of ${quotedList(flags)}, so it cannot be archived. Take it out of their prerequisites first (PATCH with their new prerequisites).`,
    ),
  tokenNotFound: (id: string) =>
    new DomainError(
      'TOKEN_NOT_FOUND',
      404,
      `Token '${id}' does not exist. List tokens with GET /api/admin/tokens.`,
    ),
  lastAdminToken: (name: string) =>
    new DomainError(
      'LAST_ADMIN_TOKEN',
      409,
      `Token '${name}' is the last admin token for all environments: without it nobody could administer Flagstone. Mint another admin token for all environments first (POST /api/admin/tokens with {"scope": "admin"}), then revoke this one.`,
    ),
  rateLimited: (who: { kind: 'token' | 'person'; name: string }, max: number, retryAfterSeconds: number) =>
    new DomainError(
      'RATE_LIMITED',
      429,
      `${who.kind === 'token' ? 'Token' : 'Person'} '${who.name}' made more than ${max} requests this minute. Retry after ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    ),
  unauthorized: (message: string) => new DomainError('UNAUTHORIZED', 401, message),
  forbidden: (message: string) => new DomainError('FORBIDDEN', 403, message),
  sessionEnded: () =>
    new DomainError(
      'SESSION_ENDED',
      401,
      'Your session ended (signed out, expired, or its API token was revoked). Sign in again.',
    ),
  tokenSignInDisabled: () =>
    new DomainError(
      'TOKEN_SIGN_IN_DISABLED',
      403,
      'Signing in to the web UI with an API token is switched off here (UI_TOKEN_SIGN_IN=false). Sign in with your identity provider: GET /api/session/oidc.',
    ),
  singleSignOnOff: () =>
    new DomainError(
      'SINGLE_SIGN_ON_OFF',
      404,
      'Single sign-on is not set up on this service (OIDC_ISSUER is unset). Sign in with an API token: POST /api/session.',
    ),
  csrfTokenMissing: () =>
    new DomainError(
      'CSRF_TOKEN_INVALID',
      403,
      'A change made with a session cookie needs the X-CSRF-Token header with the csrfToken from POST or GET /api/session; nothing was changed.',
    ),
  signInsLimited: (max: number, retryAfterSeconds: number) =>
    new DomainError(
      'RATE_LIMITED',
      429,
      `More than ${max} sign-in attempts came from this address this minute. Retry after ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    ),
  busy: () =>
    new DomainError(
      'DATABASE_BUSY',
      503,
      'The database is busy with other changes and could not take this one in time; nothing was changed. Retry in a second.',
      1,
    ),
  invalidInput: (message: string) => new DomainError('VALIDATION_ERROR', 400, message),
  uiNotBuilt: () =>
    new DomainError(
      'UI_NOT_BUILT',
      503,
      'The web UI is not built in this installation: run `make deps` (or `npm run build:ui`), then restart the service.',
    ),
  shuttingDown: () =>
    new DomainError(
      'SHUTTING_DOWN',
      503,
      'This instance is shutting down. Retry: another instance will take the request.',
      1,
    ),
  streamsFull: (max: number, admin: boolean) =>
    new DomainError(
      'EVENT_STREAMS_FULL',
      503,
      `This instance already holds its ${max} event streams (MAX_EVENT_STREAMS${admin ? ' plus EVENT_STREAMS_ADMIN_RESERVE' : ''}). Retry in a few seconds; another instance may take it.`,
      5,
    ),
  clientStreamsFull: (max: number) =>
    new DomainError(
      'TOO_MANY_EVENT_STREAMS',
      429,
      `This client address already holds ${max} event streams of this kind on this instance (MAX_EVENT_STREAMS_PER_CLIENT). Close the streams it no longer follows (one per page is enough), then retry.`,
      5,
    ),
  applyAtNotFuture: (applyAt: string, now = 'to change the flag now, use PATCH /api/admin/flags/:flagKey') =>
    new DomainError(
      'VALIDATION_ERROR',
      400,
      `applyAt ${applyAt} is not in the future. Give a date-time after now, with its time zone (e.g. 2030-01-01T09:00:00Z); ${now}.`,
    ),
  scheduleNotFound: (id: string) =>
    new DomainError(
      'SCHEDULED_CHANGE_NOT_FOUND',
      404,
      `Scheduled change '${id}' does not exist. List them with GET /api/admin/scheduled-changes.`,
    ),
  scheduleBeingApplied: (id: string) =>
    new DomainError(
      'SCHEDULED_CHANGE_BEING_APPLIED',
      409,
      `Scheduled change '${id}' is due and being applied right now, so it cannot be cancelled. Look at it again in a few seconds: if it was applied, change the flag again to undo it.`,
    ),
  scheduleResolved: (id: string, state: string) =>
    new DomainError(
      'SCHEDULED_CHANGE_RESOLVED',
      409,
      `Scheduled change '${id}' is already ${state}, so it cannot be cancelled. To undo an applied change, change the flag again (PATCH /api/admin/flags/:flagKey) or schedule the opposite change.`,
    ),
  changeRequestNotFound: (id: string) =>
    new DomainError(
      'CHANGE_REQUEST_NOT_FOUND',
      404,
      `Change request '${id}' does not exist. List them with GET /api/admin/change-requests?environment=<key>.`,
    ),
  environmentProtected: (environment: string, what: string) =>
    new DomainError(
      'ENVIRONMENT_PROTECTED',
      409,
      `Environment '${environment}' is protected: its changes are reviewed one by one as change requests, and ${what} would bypass that. Make the changes through the admin API (each becomes a request another person approves), or lift the protection first (PATCH /api/admin/environments/${environment} {"protected": false}).`,
    ),
  ownChangeRequest: (id: string) =>
    new DomainError(
      'OWN_CHANGE_REQUEST',
      403,
      `You proposed change request '${id}', so you cannot approve or reject it: another person with the admin role on its environment reviews it.`,
    ),
  reviewNeedsPerson: (name: string) =>
    new DomainError(
      'REVIEW_NEEDS_PERSON',
      403,
      `Token '${name}' may propose changes but not approve or reject them: a person with the admin role on the environment signs in and reviews them.`,
    ),
  changeRequestDecided: (id: string, state: string) =>
    new DomainError(
      'CHANGE_REQUEST_DECIDED',
      409,
      `Change request '${id}' is already ${state}, so it cannot be decided again. List the open ones with GET /api/admin/change-requests?state=open.`,
    ),
  changeRequestStale: (id: string, what: string) =>
    new DomainError(
      'CHANGE_REQUEST_STALE',
      409,
      `Change request '${id}' was not applied: ${what} changed since it was proposed, so it is now stale. Look at the environment as it is now and propose the change again if it is still wanted.`,
    ),
  flagNowhere: (key: string) =>
    new DomainError(
      'FLAG_NOT_FOUND',
      404,
      `Flag '${key}' does not exist in any environment you may read. Check the key, or create it with POST /api/admin/flags.`,
    ),
  promotionToSource: (environment: string) =>
    new DomainError(
      'PROMOTION_TO_SOURCE',
      400,
      `Environment '${environment}' is both the source (from) and a target (to) of the promotion. Promote to other environments.`,
    ),
  promotionSourceArchived: (environment: string, key: string) =>
    new DomainError(
      'FLAG_ARCHIVED',
      409,
      `Flag '${key}' is archived in environment '${environment}', the source of the promotion, so there is nothing to promote. Restore it there first (POST /api/admin/flags/${key}/restore?environment=${environment}).`,
    ),
  flagTypeMismatch: (environment: string, key: string, target: string, source: string) =>
    new DomainError(
      'FLAG_TYPE_MISMATCH',
      409,
      `Flag '${key}' is a ${target} flag in environment '${environment}' but a ${source} flag in the source, and a promotion does not change a flag's type. Nothing was promoted. Leave '${environment}' out, or change the flag's type there first (PATCH /api/admin/flags/${key}?environment=${environment} with type, variants and defaultVariant).`,
    ),
  promotionStale: (environment: string, what: string) =>
    new DomainError(
      'PROMOTION_STALE',
      409,
      `In environment '${environment}', ${what} changed since the promotion was previewed, so nothing was promoted there. Preview again (dryRun: true) and apply with the expectedVersions it returns.`,
    ),
  webhookNotFound: (id: string) =>
    new DomainError(
      'WEBHOOK_NOT_FOUND',
      404,
      `Webhook '${id}' does not exist. List webhooks with GET /api/admin/webhooks?environment=<key>.`,
    ),
  deliveryNotFound: (webhook: string, id: string) =>
    new DomainError(
      'DELIVERY_NOT_FOUND',
      404,
      `Webhook '${webhook}' has no delivery '${id}'. List its deliveries with GET /api/admin/webhooks/${webhook}/deliveries.`,
    ),
  invalidWebhookUrl: (url: string, why: string) =>
    new DomainError(
      'INVALID_WEBHOOK_URL',
      400,
      `Webhook URL '${url}' ${why}. Give an absolute http:// or https:// URL the service can POST to, e.g. https://hooks.example.com/flagstone.`,
    ),
  unavailable: (detail = 'and no cached copy of this answer exists') =>
    new DomainError(
      'DATABASE_UNAVAILABLE',
      503,
      `The flag database cannot be reached, ${detail}. Retry in a few seconds.`,
      5,
    ),
};
