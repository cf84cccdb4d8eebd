// Where a bulk evaluation's client follows its changes (OFREP ADR-0008): the eventStreams of the
// answer, one SSE stream on this service, at PUBLIC_URL when set (behind a proxy the request's
// host may not be what clients reach), else at the host the request came to. Its URL carries a
// ticket (tickets.ts), never the API token.
import Type from 'typebox';

/** How long a hidden page keeps its event stream (the web provider's own default). */
const INACTIVITY_DELAY_SEC = 120;
const EVENTS_PATH = '/ofrep/v1/events';

export const EventStream = Type.Object({
  type: Type.Literal('sse'),
  url: Type.String({ description: 'GET it as server-sent events; it carries a ticket, never the API token' }),
  inactivityDelaySec: Type.Integer({
    description: 'how long a hidden page keeps its stream open before closing it (ADR-0008)',
  }),
});

/** The origin a request reached: its protocol and Host. */
export interface RequestOrigin {
  protocol: string;
  host: string;
}

/** The eventStreams of a bulk answer, as JSON, for a stream opened with `ticket`. */
export function eventStreamsJson(ticket: string, publicUrl: string | undefined, request: RequestOrigin) {
  const base = publicUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.host}`;
  const url = `${base}${EVENTS_PATH}?ticket=${ticket}`;
  return JSON.stringify([{ type: 'sse', url, inactivityDelaySec: INACTIVITY_DELAY_SEC }]);
}
