/**
 * HostConnections: the keep-alive connections of the native proxy to one upstream host, an undici
 * Pool (HTTP/1.1, one request per connection at a time, bounded) whose sockets come from our own
 * connector so the cluster's connect timeout runs on the injected Clock. Receives dispatches from
 * UpstreamExchange; emits each new connection to the owner (cx stats) and connect failures as
 * UpstreamConnectError. Never interprets responses or health.
 */
import net from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import type { Clock } from '../clock';

/** A connection to the host could not be made (refused, unreachable, or the connect timeout passed). */
export class UpstreamConnectError extends Error {
  readonly code = 'HP_UPSTREAM_CONNECT';
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'UpstreamConnectError';
  }
}

export interface HostConnectionsOptions {
  readonly address: string;
  readonly port: number;
  readonly clock: Clock;
  /** Read at each new connection (the cluster's `connect_timeout` may change). */
  readonly connectTimeoutMs: () => number;
  readonly maxConnections: number;
  /** A new connection is up (count it; its `close` ends it). */
  readonly onConnection: (socket: net.Socket) => void;
}

/** Bytes a socket had read when it failed: more than 0 means it carried an earlier response. */
const bytesReadAtError = new WeakMap<Error, number>();

/**
 * Whether the connection an attempt failed on had already served a response (a kept-alive
 * connection the upstream closed), from undici's socket info or our own note on socket errors.
 */
export function failedOnReusedConnection(err: Error): boolean {
  const noted = bytesReadAtError.get(err);
  if (noted !== undefined) return noted > 0;
  const info = (err as { socket?: { bytesRead?: unknown } }).socket;
  return typeof info?.bytesRead === 'number' && info.bytesRead > 0;
}

export class HostConnections {
  private readonly pool: Pool;

  constructor(private readonly o: HostConnectionsOptions) {
    const host = o.address.includes(':') ? `[${o.address}]` : o.address;
    this.pool = new Pool(`http://${host}:${o.port}`, {
      connections: o.maxConnections,
      pipelining: 1,
      // Route timeouts are ours (on the Clock); undici's own would run on real timers.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      connect: (_opts, callback) => this.connect(callback),
    });
  }

  /** Sends one request; `handler` gets every callback (see undici's Dispatcher). */
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.pool.dispatch(opts, handler);
  }

  /** Closes every connection now (in-flight requests are cut). */
  destroy(): void {
    this.pool.destroy().catch(() => undefined);
  }

  private connect(callback: (...args: [null, net.Socket] | [Error, null]) => void): void {
    const { clock, address, port } = this.o;
    const socket = net.connect({ host: address, port, noDelay: true });
    let settled = false;
    const settle = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      if (err) {
        socket.destroy();
        callback(err, null);
        return;
      }
      this.o.onConnection(socket);
      callback(null, socket);
    };
    const timer = clock.setTimeout(() => settle(new UpstreamConnectError('connection timeout', true)), this.o.connectTimeoutMs());
    socket.once('connect', () => settle(undefined));
    socket.on('error', (err) => {
      if (!settled) settle(new UpstreamConnectError(err.message, false));
      else bytesReadAtError.set(err, socket.bytesRead);
    });
  }
}
