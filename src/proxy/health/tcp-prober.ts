/**
 * TcpProber: Envoy's TCP health check (spec §2 TcpHealthCheck, §3.5) over node:net. Connect-only
 * without `receive` (success on connect, then close); otherwise writes the hex `send` payload and
 * succeeds once the bytes received so far contain every `receive` block in order. Wrong data never
 * matches (the probe times out); a close or error mid-probe is a network failure.
 */
import * as net from 'node:net';
import type { Clock } from '../../clock';
import type * as ir from '../../ir/types';
import { withTimeout, type ProbeHandle, type ProbeResult, type Prober, type ProbeTarget } from './prober';

export interface TcpProberOptions {
  readonly clock: Clock;
  readonly probe: ir.TcpProbe;
  readonly reuseConnection: boolean;
}

/** Envoy's fuzzy match: each block found in order, each after the end of the previous one. */
export function containsInOrder(data: Buffer, blocks: readonly Buffer[]): boolean {
  let from = 0;
  for (const b of blocks) {
    const at = data.indexOf(b, from);
    if (at < 0) return false;
    from = at + b.length;
  }
  return true;
}

interface Conn {
  readonly socket: net.Socket;
  connected: boolean;
  buffer: Buffer;
  /** The in-flight probe's handlers, if any. */
  onData?: () => void;
  onFail?: (r: ProbeResult) => void;
}

function targetKey(t: ProbeTarget): string {
  return `${t.address}:${t.port}`;
}

export class TcpProber implements Prober {
  private readonly conns = new Map<string, Conn>();
  private readonly send: Buffer;
  private readonly receive: readonly Buffer[];

  constructor(private readonly o: TcpProberOptions) {
    this.send = Buffer.from(o.probe.send ?? '', 'hex');
    this.receive = (o.probe.receive ?? []).map((hex) => Buffer.from(hex, 'hex')).filter((b) => b.length > 0);
  }

  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle {
    return withTimeout(this.o.clock, timeoutMs, done, (finish) => this.start(target, finish));
  }

  release(target: ProbeTarget): void {
    const key = targetKey(target);
    this.conns.get(key)?.socket.destroy();
    this.conns.delete(key);
  }

  private connection(target: ProbeTarget): Conn {
    const key = targetKey(target);
    const existing = this.conns.get(key);
    if (existing && !existing.socket.destroyed) return existing;
    const socket = net.connect({ host: target.address, port: target.port });
    const conn: Conn = { socket, connected: false, buffer: Buffer.alloc(0) };
    const lost = (detail: string): void => {
      if (this.conns.get(key) === conn) this.conns.delete(key);
      conn.onFail?.({ kind: 'network', failure: conn.connected ? 'reset' : 'connect', detail });
    };
    socket.on('data', (chunk: Buffer) => {
      conn.buffer = Buffer.concat([conn.buffer, chunk]);
      conn.onData?.();
    });
    socket.on('error', (err) => lost(err.message));
    socket.on('close', () => lost('connection closed'));
    this.conns.set(key, conn);
    return conn;
  }

  private start(target: ProbeTarget, finish: (r: ProbeResult) => void): () => void {
    const conn = this.connection(target);
    const end = (r: ProbeResult, close: boolean): void => {
      conn.onData = undefined;
      conn.onFail = undefined;
      if (close) this.release(target);
      finish(r);
    };
    conn.onFail = (r) => end(r, true);
    const onConnected = (): void => {
      conn.connected = true;
      if (this.send.length > 0) conn.socket.write(this.send);
      if (this.receive.length === 0) {
        // Connect-only: success now; the `send` bytes are flushed and the connection closed.
        conn.onFail = undefined;
        this.conns.delete(targetKey(target));
        conn.socket.end();
        return finish({ kind: 'success' });
      }
      conn.onData = () => {
        if (!containsInOrder(conn.buffer, this.receive)) return;
        conn.buffer = Buffer.alloc(0);
        end({ kind: 'success' }, !this.o.reuseConnection);
      };
      conn.onData();
    };
    if (conn.connected) onConnected();
    else conn.socket.once('connect', onConnected);
    return () => {
      conn.onData = undefined;
      conn.onFail = undefined;
      this.release(target);
    };
  }
}
