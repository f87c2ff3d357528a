/**
 * Kong's own responses and headers for Kong-engine backends (resources.md §2.4): the ring-balancer
 * 503 and the latency headers. Pure: receives timestamps (ms, from the injected Clock) and returns
 * status, header records and bodies for the proxy to send. Never writes to a socket, never reads
 * the clock itself.
 */

export const KONG_NO_PEER_MESSAGE = 'failure to get a peer from the ring-balancer';

/** Kong's JSON error template: 62 bytes for the no-peer message, as Kong up to 3.4 sends it. */
export function kongErrorBody(message: string): string {
  return `{\n  "message":${JSON.stringify(message)}\n}`;
}

export const KONG_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface KongReply {
  readonly status: number;
  /** Lower-case header names, ready for `res.writeHead`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** When the proxy received a request and when it is answering it (both ms). */
export interface KongLocalTiming {
  readonly receivedAt: number;
  readonly now: number;
}

/** The timestamps of a proxied exchange (ms); missing ones give no header. */
export interface KongProxyTiming {
  /** The request arrived at the proxy. */
  readonly receivedAt: number;
  /** The proxy started sending the request upstream (connect included in upstream latency). */
  readonly upstreamStartAt?: number;
  /** The upstream's response headers arrived. */
  readonly upstreamHeadersAt?: number;
}

function ms(n: number): string {
  return String(Math.max(0, Math.round(n)));
}

/** `X-Kong-Response-Latency`: on responses Kong generates itself (no upstream involved). */
export function kongResponseLatencyHeaders(t: KongLocalTiming): Record<string, string> {
  return { 'x-kong-response-latency': ms(t.now - t.receivedAt) };
}

/**
 * `X-Kong-Upstream-Latency` (upstream start → response headers) and `X-Kong-Proxy-Latency`
 * (arrival → upstream start), on responses proxied from the upstream.
 */
export function kongProxyLatencyHeaders(t: KongProxyTiming): Record<string, string> {
  const headers: Record<string, string> = {};
  if (t.upstreamStartAt !== undefined && t.upstreamHeadersAt !== undefined) {
    headers['x-kong-upstream-latency'] = ms(t.upstreamHeadersAt - t.upstreamStartAt);
  }
  if (t.upstreamStartAt !== undefined) headers['x-kong-proxy-latency'] = ms(t.upstreamStartAt - t.receivedAt);
  return headers;
}

/** A response Kong makes up itself with its JSON error body and `X-Kong-Response-Latency`. */
export function kongErrorReply(status: number, message: string, t: KongLocalTiming): KongReply {
  const body = kongErrorBody(message);
  return {
    status,
    headers: {
      'content-type': KONG_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      ...kongResponseLatencyHeaders(t),
    },
    body,
  };
}

/** No target can be picked (all unhealthy, or available weight not above `threshold`). */
export function kongNoPeerReply(t: KongLocalTiming): KongReply {
  return kongErrorReply(503, KONG_NO_PEER_MESSAGE, t);
}
