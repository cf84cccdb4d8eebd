// The flagd sync service (flagd.sync.v1.FlagSyncService over gRPC, on its own port): flagd's
// in-process providers, in any language, follow an environment's flagd document from here and
// evaluate it themselves. SyncFlags streams the document and every later revision of it
// (sync-streams.ts); FetchAllFlags answers it once; GetMetadata (deprecated upstream) answers an
// empty static context. Calls are authorized as HTTP requests are: a read token in the call's
// metadata, limited to its environment if it is; environments the operator lists in
// SYNC_OPEN_ENVIRONMENTS are served without one, for providers that cannot send metadata. The
// gRPC health service shares the port: SERVING once listening, NOT_SERVING from shutdown on.
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { authorize, environmentFor, tokenPrincipal } from '../access/authorization.ts';
import { type Config, openSyncEnvironments } from '../config.ts';
import { SYNC_HEALTH_SERVICE } from '../contract.ts';
import { DomainError } from '../errors.ts';
import type { FlagList } from '../flags/flag-schemas.ts';
import type { FlagService } from '../flags/flag-service.ts';
import type { Metrics } from '../metrics.ts';
import { presentedSecret } from '../plugins/auth.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { flagdJson } from './export.ts';
import { callSelector, selectedEnvironment } from './sync-selector.ts';
import { type CallStatus, createSyncStreams, type EncodedDocument } from './sync-streams.ts';

export const SYNC_PROTO = new URL('../../proto/flagd/sync/v1/sync.proto', import.meta.url).pathname;
/** The message size gRPC clients accept unless configured otherwise (grpc-go, grpc-java, grpc-js). */
export const CLIENT_MESSAGE_LIMIT = 4 * 1024 * 1024;
/**
 * A stream is idle between changes: pings keep the connections of idle providers open through
 * NAT and load balancers, and find providers that vanished, so their streams stop counting
 * against SYNC_MAX_STREAMS.
 */
const KEEPALIVE = { 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 };
/** How long shutdown waits for calls to finish before it cuts the connections. */
const SHUTDOWN_GRACE_MS = 3000;

/** The sync port could not be bound: start-up stops with this message. */
export class SyncListenError extends Error {
  override name = 'SyncListenError';
}

interface SyncRequest {
  providerId?: string;
  selector?: string;
}

export interface SyncServerDeps {
  config: Pick<Config, 'HOST' | 'DEFAULT_ENVIRONMENT' | 'SYNC_OPEN_ENVIRONMENTS' | 'SYNC_MAX_STREAMS'>;
  flags: Pick<FlagService, 'snapshot'>;
  tokens: Pick<TokenService, 'authenticate' | 'isLive'>;
  metrics: Pick<
    Metrics,
    'syncStreams' | 'syncDocumentsSent' | 'syncBroadcastDuration' | 'syncRefused' | 'syncDocumentBytes'
  >;
  log: {
    info(bindings: object, message: string): void;
    warn(bindings: object, message: string): void;
    debug(bindings: object, message: string): void;
  };
}

/** A refusal as the gRPC status a provider sees. */
class CallError extends Error {
  readonly code: status;
  readonly details: string;
  constructor({ code, details }: CallStatus) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

const BY_HTTP_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

/** The flagd sync protocol, as published, with field names as grpc-js clients of flagd write them. */
function loadProtocol() {
  const definition = loadSync(SYNC_PROTO, { keepCase: false, longs: String, enums: String, defaults: true });
  const service = definition['flagd.sync.v1.FlagSyncService'] as unknown as ServiceDefinition;
  const { SyncFlags, FetchAllFlags } = service;
  // SyncFlagsResponse and FetchAllFlagsResponse are the same bytes (field 1, the document): one
  // encoding per revision serves every stream and every fetch.
  const encode = (json: string) => SyncFlags!.responseSerialize({ flagConfiguration: json });
  const passThrough = (bytes: Buffer) => bytes;
  return {
    encode,
    service: {
      ...service,
      SyncFlags: { ...SyncFlags!, responseSerialize: passThrough },
      FetchAllFlags: { ...FetchAllFlags!, responseSerialize: passThrough },
    } as ServiceDefinition,
  };
}

const text = (values: readonly unknown[]) => values.find((v): v is string => typeof v === 'string');

export function createSyncServer({ config, flags, tokens, metrics, log }: SyncServerDeps) {
  const protocol = loadProtocol();
  const open = openSyncEnvironments(config);
  const encoded = new WeakMap<FlagList, EncodedDocument>();

  /** The environment's document now; encoded once per revision. */
  async function document(environment: string): Promise<EncodedDocument> {
    const { value: snapshot } = await flags.snapshot(environment);
    const { list } = snapshot;
    let found = encoded.get(list);
    if (!found) {
      found = { revision: list.revision, bytes: protocol.encode(flagdJson(snapshot)) };
      encoded.set(list, found);
      metrics.syncDocumentBytes.set({ environment }, found.bytes.length);
      if (found.bytes.length > CLIENT_MESSAGE_LIMIT) {
        log.warn(
          { environment, revision: list.revision, bytes: found.bytes.length },
          `the flagd document of '${environment}' is larger than the 4 MiB gRPC clients accept by default: providers refuse it (RESOURCE_EXHAUSTED) unless their maximum receive size is raised; split its flags across environments`,
        );
      }
    }
    return found;
  }

  const streams = createSyncStreams({
    maxStreams: config.SYNC_MAX_STREAMS,
    document,
    metrics,
    onError: (err, environment) =>
      log.warn({ err, environment }, 'could not read a flagd document for a sync stream'),
  });

  /** The environment a call follows and the token it came with, once it may; else a CallError. */
  async function access(metadata: Metadata, field: string | undefined) {
    const selector = callSelector(metadata.get('flagd-selector'), field);
    const selected = selectedEnvironment(selector);
    if (!selected.ok) throw new CallError({ code: status.INVALID_ARGUMENT, details: selected.message });
    const secret = presentedSecret({
      authorization: text(metadata.get('authorization')),
      'x-api-key': text(metadata.get('x-api-key')),
    });
    if (secret === undefined) {
      const environment = selected.environment ?? config.DEFAULT_ENVIRONMENT;
      if (!open.has(environment)) {
        throw new CallError({
          code: status.UNAUTHENTICATED,
          details: `Environment '${environment}' needs an API token: send a read token in the call's metadata as "authorization: Bearer <token>" (or "x-api-key: <token>"). Only the environments in SYNC_OPEN_ENVIRONMENTS are served without one.`,
        });
      }
      await flags.snapshot(environment);
      return { environment, tokenId: undefined };
    }
    const token = await tokens.authenticate(secret);
    const principal = tokenPrincipal(token);
    const environment = environmentFor(principal, selected.environment, config.DEFAULT_ENVIRONMENT);
    authorize(principal, 'read', environment);
    // Held from now on, so every later revision reaches the stream; an unknown one is NOT_FOUND.
    await flags.snapshot(environment);
    return { environment, tokenId: token.id };
  }

  /** A failure as the status the caller gets, counted by reason; a fault is logged, not shown. */
  function statusOf(err: unknown, rpc: string): CallStatus {
    let result: CallStatus;
    if (err instanceof CallError) result = err;
    else if (err instanceof DomainError && BY_HTTP_STATUS[err.statusCode] !== undefined) {
      result = { code: BY_HTTP_STATUS[err.statusCode]!, details: err.message };
    } else {
      log.warn({ err, rpc }, 'a flagd sync call failed');
      result = {
        code: status.INTERNAL,
        details: 'Flagstone could not answer this sync call. Retry; if it persists, see the service log.',
      };
    }
    metrics.syncRefused.inc({ reason: status[result.code]!.toLowerCase() });
    log.debug({ rpc, code: status[result.code] }, 'flagd sync call refused');
    return result;
  }

  const syncFlags: handleServerStreamingCall<SyncRequest, Buffer> = async (call) => {
    try {
      const { environment, tokenId } = await access(call.metadata, call.request.selector);
      if (tokenId !== undefined && !tokens.isLive(tokenId)) {
        // Revoked while this call was being checked.
        throw new CallError({
          code: status.UNAUTHENTICATED,
          details: 'This API token was revoked. Ask an admin for a new read token.',
        });
      }
      if (call.cancelled) return;
      const refused = streams.open(call, environment, tokenId);
      if (refused) call.emit('error', refused);
    } catch (err) {
      call.emit('error', statusOf(err, 'SyncFlags'));
    }
  };

  const fetchAllFlags: handleUnaryCall<SyncRequest, Buffer> = async (call, callback) => {
    try {
      const { environment } = await access(call.metadata, call.request.selector);
      const { bytes } = await document(environment);
      metrics.syncDocumentsSent.inc({ rpc: 'FetchAllFlags' });
      callback(null, bytes);
    } catch (err) {
      callback(statusOf(err, 'FetchAllFlags'));
    }
  };

  // Providers that still call it (Java's, Python's) add every field of its answer to the context
  // of every evaluation, above the caller's own attributes: a `version` field would override the
  // caller's `version` in every rule that reads it. Flagstone has no static context to add, so the
  // answer is empty; the flag set and revision are in the document's metadata.
  const getMetadata: handleUnaryCall<unknown, object> = async (call, callback) => {
    try {
      await access(call.metadata, undefined);
      callback(null, { metadata: { fields: {} } });
    } catch (err) {
      callback(statusOf(err, 'GetMetadata'));
    }
  };

  const server = new Server(KEEPALIVE);
  server.addService(protocol.service, {
    SyncFlags: syncFlags,
    FetchAllFlags: fetchAllFlags,
    GetMetadata: getMetadata,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SYNC_HEALTH_SERVICE]: 'NOT_SERVING' });
  health.addToServer(server);
  const serving = (state: 'SERVING' | 'NOT_SERVING') => {
    health.setStatus('', state);
    health.setStatus(SYNC_HEALTH_SERVICE, state);
  };
  let port: number | undefined;

  return {
    /** Listens on `port` of HOST (0: any free one) and reports SERVING; resolves with the port. */
    listen(wanted: number): Promise<number> {
      const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${wanted}`, ServerCredentials.createInsecure(), (err, bound) => {
          if (err) {
            reject(
              new SyncListenError(
                `the flagd sync service cannot listen on ${host}:${wanted} (SYNC_PORT): ${err.message}. Free the port, or set SYNC_PORT to another one (unset: no sync service).`,
              ),
            );
            return;
          }
          port = bound;
          serving('SERVING');
          log.info({ port: bound }, `flagd sync service listening at ${host}:${bound}`);
          resolve(bound);
        });
      });
    },

    /** The port it listens on; undefined until it does. */
    get port() {
      return port;
    },

    /** Tells every stream of `environment` of its new revision. */
    advanced: (environment: string, revision: number) => void streams.advanced(environment, revision),

    /** Ends the streams of a revoked token. */
    endToken: streams.endToken,

    get streams() {
      return streams.size;
    },

    /**
     * Shutdown: NOT_SERVING, every stream ended UNAVAILABLE (providers reconnect, to another
     * instance), then the server stops once its calls are done, or after a grace period.
     */
    async close() {
      serving('NOT_SERVING');
      streams.endAll();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS).unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

export type SyncServer = ReturnType<typeof createSyncServer>;
