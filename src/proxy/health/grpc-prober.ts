/**
 * GrpcProber: Envoy's gRPC health check (spec §2 GrpcHealthCheck, §3.5): a unary
 * `grpc.health.v1.Health/Check` over a reused HTTP/2 session, messages encoded by hand (one string
 * field in, one enum field out). Reports success only for grpc-status OK with status SERVING; any
 * other answer is an active failure; a reset or lost connection is a network failure.
 */
import type * as http2 from 'node:http2';
import type { Clock } from '../../clock';
import type * as ir from '../../ir/types';
import { H2SessionPool } from './h2-session-pool';
import { withTimeout, type ProbeHandle, type ProbeResult, type Prober, type ProbeTarget } from './prober';

export interface GrpcProberOptions {
  readonly clock: Clock;
  readonly probe: ir.GrpcProbe;
  readonly reuseConnection: boolean;
}

export const SERVING = 1;

/** `HealthCheckRequest { string service = 1; }`, length-prefixed as a gRPC message. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const body = s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && shift < 35; i++) {
    const b = buf[i] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** `HealthCheckResponse.status` from a gRPC-framed body (0 = UNKNOWN when absent); undefined if malformed. */
export function decodeServingStatus(framed: Buffer): number | undefined {
  if (framed.length < 5 || framed[0] !== 0) return undefined;
  const len = framed.readUInt32BE(1);
  const msg = framed.subarray(5, 5 + len);
  if (msg.length !== len) return undefined;
  let status = 0;
  let i = 0;
  while (i < msg.length) {
    const tag = readVarint(msg, i);
    if (!tag) return undefined;
    const wire = tag.value & 7;
    if (wire === 0) {
      const v = readVarint(msg, tag.next);
      if (!v) return undefined;
      if (tag.value >>> 3 === 1) status = v.value;
      i = v.next;
    } else if (wire === 2) {
      const l = readVarint(msg, tag.next);
      if (!l) return undefined;
      i = l.next + l.value;
    } else {
      return undefined;
    }
  }
  return status;
}

function verdict(httpStatus: number, grpcStatus: string | undefined, body: Buffer): ProbeResult {
  if (httpStatus !== 200) return { kind: 'active-failure', detail: `HTTP status ${httpStatus}` };
  if (grpcStatus === undefined) return { kind: 'active-failure', detail: 'no grpc-status' };
  if (grpcStatus !== '0') return { kind: 'active-failure', detail: `grpc-status ${grpcStatus}` };
  const status = decodeServingStatus(body);
  if (status === SERVING) return { kind: 'success' };
  return { kind: 'active-failure', detail: status === undefined ? 'malformed response' : `serving status ${status}` };
}

export class GrpcProber implements Prober {
  private readonly pool = new H2SessionPool();

  constructor(private readonly o: GrpcProberOptions) {}

  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle {
    return withTimeout(this.o.clock, timeoutMs, done, (finish) => this.start(target, finish));
  }

  release(target: ProbeTarget): void {
    this.pool.release(target);
  }

  private headers(target: ProbeTarget): http2.OutgoingHttpHeaders {
    const h: http2.OutgoingHttpHeaders = {};
    for (const m of this.o.probe.initialMetadata ?? []) h[m.name.toLowerCase()] = m.value;
    return {
      ...h,
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      ':authority': this.o.probe.authority || target.authority,
      ':scheme': 'http',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'Envoy/HC',
    };
  }

  private start(target: ProbeTarget, finish: (r: ProbeResult) => void): () => void {
    const pooled = this.pool.get(target);
    const net = (detail: string): ProbeResult => ({ kind: 'network', failure: pooled.connected() ? 'reset' : 'connect', detail });
    const stream = pooled.session.request(this.headers(target));
    let httpStatus = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (headers) => {
      httpStatus = Number(headers[':status'] ?? 0);
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      if (trailers['grpc-status'] !== undefined) grpcStatus = String(trailers['grpc-status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err) => finish(net(err.message)));
    stream.on('end', () => {
      if (httpStatus > 0) finish(verdict(httpStatus, grpcStatus, Buffer.concat(chunks)));
    });
    stream.on('close', () => {
      finish(net('stream closed before the response ended'));
      if (!this.o.reuseConnection) this.pool.release(target);
    });
    stream.end(encodeHealthCheckRequest(this.o.probe.serviceName ?? ''));
    return () => {
      stream.close(0x8);
      this.pool.release(target);
    };
  }
}
