/**
 * Local replies: the responses the proxy makes up itself instead of forwarding, with Envoy's
 * exact status codes and bodies (and Kong's 503 for Kong-engine clusters). Receives a
 * DownstreamResponse and the route's response header modifier; emits one complete response on
 * it. Never sends anything once headers have gone out (it resets the stream instead).
 */
import type * as ir from '../ir/types';
import { applyHeaderModifier, type HeaderRecord } from './headers';
import type { DownstreamResponse } from './http1/downstream';

export interface LocalReply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export const LocalReplies = {
  /** No cluster host can be picked (spec §6.3, response flag UH). */
  noHealthyUpstream: { status: 503, body: 'no healthy upstream', contentType: 'text/plain' },
  /** Connection refused / unreachable (flag UF). */
  connectFailure: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    contentType: 'text/plain',
  },
  /** No connection within the cluster's connect timeout (flag UF). */
  connectTimeout: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
    contentType: 'text/plain',
  },
  /** The upstream closed or reset the connection before sending response headers (flag UC). */
  connectionTermination: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
    contentType: 'text/plain',
  },
  /** A circuit breaker (`max_requests`, `max_pending_requests`) refused the request (flag UO). */
  overflow: {
    status: 503,
    body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    contentType: 'text/plain',
  },
  /** Route timeout (flag UT). */
  upstreamTimeout: { status: 504, body: 'upstream request timeout', contentType: 'text/plain' },
  /** No route for the request (flag NR): empty body. */
  noRoute: { status: 404, body: '' },
  /** The unresolved share of a weighted route (`cluster_not_found_response_code: INTERNAL_SERVER_ERROR`). */
  unresolvedBackend: { status: 500, body: '' },
  /** A route naming a cluster the proxy does not have (flag NC). */
  clusterNotFound: { status: 503, body: '' },
  /** Kong's answer when its balancer has no peer (resources.md §2.4): 62 bytes of JSON. */
  kongNoPeer: {
    status: 503,
    body: '{\n  "message":"failure to get a peer from the ring-balancer"\n}',
    contentType: 'application/json; charset=utf-8',
  },
} as const satisfies Record<string, LocalReply>;

/** Sends a local reply, with the route's response header modifier applied (as Envoy's router does). */
export function sendLocalReply(res: DownstreamResponse, reply: LocalReply, modifier?: ir.HeaderModifier, extra: HeaderRecord = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: HeaderRecord = { ...extra };
  if (reply.body !== '' && reply.contentType) headers['content-type'] = reply.contentType;
  headers['content-length'] = String(Buffer.byteLength(reply.body));
  applyHeaderModifier(headers, modifier);
  try {
    res.writeHead(reply.status, undefined, headers);
  } catch {
    // A header modifier produced a header that cannot be sent: reset, as a codec error would.
    res.destroy();
    return;
  }
  res.end(reply.body);
}
