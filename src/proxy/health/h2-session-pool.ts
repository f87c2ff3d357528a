/**
 * H2SessionPool: one reusable HTTP/2 client session per probe target, for the gRPC prober and
 * HTTP/2 health checks. Receives targets; emits connected (or connecting) sessions and whether the
 * connection was ever established. Sessions that error, close or receive GOAWAY are dropped so
 * the next probe reconnects (a close between probes is not a failure, spec §3.5).
 */
import * as http2 from 'node:http2';
import type { ProbeTarget } from './prober';

export interface PooledSession {
  readonly session: http2.ClientHttp2Session;
  /** Whether the TCP/H2 connection has been established (distinguishes connect vs reset failures). */
  connected(): boolean;
}

function keyOf(t: ProbeTarget): string {
  return `${t.address}:${t.port}`;
}

function urlOf(t: ProbeTarget): string {
  return t.address.includes(':') ? `http://[${t.address}]:${t.port}` : `http://${t.address}:${t.port}`;
}

export class H2SessionPool {
  private readonly sessions = new Map<string, PooledSession>();

  /** The target's live session, or a new one (connecting). */
  get(target: ProbeTarget): PooledSession {
    const key = keyOf(target);
    const existing = this.sessions.get(key);
    if (existing && !existing.session.closed && !existing.session.destroyed) return existing;
    let up = false;
    const session = http2.connect(urlOf(target));
    const pooled: PooledSession = { session, connected: () => up };
    session.once('connect', () => {
      up = true;
    });
    const drop = (): void => {
      if (this.sessions.get(key) === pooled) this.sessions.delete(key);
    };
    // Errors surface on the in-flight stream too; keep the session's own error from being unhandled.
    session.on('error', drop);
    session.once('goaway', drop);
    session.once('close', drop);
    session.unref();
    this.sessions.set(key, pooled);
    return pooled;
  }

  /** Closes and forgets the target's session. */
  release(target: ProbeTarget): void {
    const key = keyOf(target);
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    s.session.destroy();
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.session.destroy();
    this.sessions.clear();
  }
}
