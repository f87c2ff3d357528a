/**
 * HostConnections: the keep-alive HTTP/1.1 connections of the native proxy to one upstream host
 * (the proxy's own ClientConnections on net sockets, one request per connection at a time,
 * bounded; requests beyond the bound wait in order). Connects with the cluster's connect timeout
 * on the injected Clock; emits each new connection to the owner (cx stats) and connect failures
 * as UpstreamConnectError. Never interprets responses or health.
 */
import net from 'node:net';
import type { Clock } from '../clock';
import type { Deadlines } from './deadlines';
import { ClientConnection, prepareRequest, type PreparedRequest, type UpstreamHandler, type UpstreamRequest } from './http1/client-connection';

export { failedOnReusedConnection, type UpstreamHandler, type UpstreamRequest } from './http1/client-connection';

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

/** The connections were closed while the request waited for one. */
export class PoolClosedError extends Error {
  readonly code = 'HP_POOL_CLOSED';
}

export interface HostConnectionsOptions {
  readonly address: string;
  readonly port: number;
  readonly clock: Clock;
  /** Idle keep-alive timers (shared by the owner's pools). */
  readonly deadlines: Deadlines;
  /** Read at each new connection (the cluster's `connect_timeout` may change). */
  readonly connectTimeoutMs: () => number;
  readonly maxConnections: number;
  /** A new connection is up (count it; its `close` ends it). */
  readonly onConnection: (socket: net.Socket) => void;
}

interface Waiting {
  readonly req: PreparedRequest;
  readonly handler: UpstreamHandler;
}

export class HostConnections {
  private readonly idle: ClientConnection[] = [];
  private readonly open = new Set<ClientConnection>();
  private readonly waiting: Waiting[] = [];
  private connecting = 0;
  private destroyed = false;
  private readonly owner = {
    release: (c: ClientConnection): void => this.release(c),
    closed: (c: ClientConnection): void => this.closed(c),
  };

  /** `host` of requests that carry none. */
  private readonly hostHeader: string;

  constructor(private readonly o: HostConnectionsOptions) {
    this.hostHeader = `${o.address.includes(':') ? `[${o.address}]` : o.address}:${o.port}`;
  }

  /** Sends one request on an idle connection, a new one, or once one frees up. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void {
    if (this.destroyed) {
      handler.onError(new PoolClosedError('connection pool closed'));
      return;
    }
    let req: PreparedRequest;
    try {
      req = prepareRequest(request, this.hostHeader);
    } catch (err) {
      handler.onError(err as Error);
      return;
    }
    let c = this.idle.pop();
    // An idle connection its timer or the upstream just closed leaves the list only at `close`.
    while (c && !c.usable) c = this.idle.pop();
    if (c) {
      if (!c.send(req, handler)) this.release(c);
      return;
    }
    this.waiting.push({ req, handler });
    this.grow();
  }

  /** Closes every connection now (in-flight requests are cut; waiting ones fail). */
  destroy(): void {
    this.destroyed = true;
    for (const c of [...this.open]) c.destroy();
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.handler.onError(new PoolClosedError('connection pool closed'));
  }

  private release(c: ClientConnection): void {
    if (this.destroyed) {
      c.destroy();
      return;
    }
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) {
      if (c.send(w.req, w.handler)) return;
    }
    this.idle.push(c);
    c.idle();
  }

  private closed(c: ClientConnection): void {
    this.open.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.destroyed) this.grow();
  }

  /** Opens connections for waiting requests, up to the bound. */
  private grow(): void {
    while (this.waiting.length > this.connecting && this.open.size + this.connecting < Math.max(1, this.o.maxConnections)) this.connect();
  }

  private connect(): void {
    const { clock, address, port } = this.o;
    this.connecting++;
    const socket = net.connect({ host: address, port, noDelay: true });
    let settled = false;
    const settle = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      this.connecting--;
      clock.clearTimeout(timer);
      socket.removeListener('error', onError);
      if (err || this.destroyed) {
        socket.destroy();
        if (err) this.waiting.shift()?.handler.onError(err);
        if (!this.destroyed) this.grow();
        return;
      }
      this.o.onConnection(socket);
      const c = new ClientConnection(socket, this.owner, this.o.deadlines);
      this.open.add(c);
      this.release(c);
    };
    const onError = (err: Error): void => settle(new UpstreamConnectError(err.message, false));
    const timer = clock.setTimeout(() => settle(new UpstreamConnectError('connection timeout', true)), this.o.connectTimeoutMs());
    socket.once('connect', () => settle(undefined));
    socket.on('error', onError);
  }
}
