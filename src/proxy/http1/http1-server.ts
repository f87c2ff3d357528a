/**
 * Http1Server: a listening socket of the proxy's own HTTP/1.1 server (net sockets + llhttp, no
 * node:http streams). Owns the listener and the set of open ServerConnections; counts
 * connections for the owner; stops by closing the listener and every connection.
 */
import net from 'node:net';
import type { Clock } from '../../clock';
import { listenServer } from '../../listen-server';
import { Deadlines } from '../deadlines';
import { requireParser } from './llhttp';
import { ServerConnection, type RequestHandler } from './server-connection';

/** node:http's default `headersTimeout`. */
export const HEADERS_TIMEOUT_MS = 60_000;
/** Envoy's default `stream_idle_timeout` (5 min), applied while a request body arrives. */
export const BODY_IDLE_TIMEOUT_MS = 300_000;

export interface Http1ServerOptions {
  readonly handler: RequestHandler;
  readonly clock: Clock;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs?: number;
  readonly bodyIdleTimeoutMs?: number;
  /** Something threw while handling a connection's traffic (that connection is closed). */
  readonly onError?: (err: unknown) => void;
  /** A response completed with this status. */
  readonly onResponse: (status: number) => void;
  /** A connection opened; `closed` runs when it ends. */
  readonly onConnection: () => () => void;
}

export class Http1Server {
  private readonly server: net.Server;
  private readonly connections = new Map<ServerConnection, Promise<void>>();
  private closing = false;

  constructor(o: Http1ServerOptions) {
    requireParser();
    const deadlines = new Deadlines(o.clock);
    const isClosing = (): boolean => this.closing;
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      const closed = o.onConnection();
      const connection = new ServerConnection(socket, {
        handler: o.handler,
        clock: o.clock,
        deadlines,
        keepAliveTimeoutMs: o.keepAliveTimeoutMs,
        headersTimeoutMs: o.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
        bodyIdleTimeoutMs: o.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS,
        onError: o.onError,
        onResponse: o.onResponse,
        closing: isClosing,
      });
      this.connections.set(
        connection,
        new Promise<void>((resolve) =>
          socket.once('close', () => {
            this.connections.delete(connection);
            closed();
            resolve();
          }),
        ),
      );
    });
  }

  /** Binds host:port (0 = any free port) and resolves the bound port. */
  listen(host: string, port: number): Promise<number> {
    return listenServer(this.server, host, port);
  }

  /** Stops accepting and closes every connection (in-flight requests are cut); resolves once all are closed. */
  async stop(): Promise<void> {
    this.closing = true;
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const sockets = [...this.connections.values()];
    for (const c of this.connections.keys()) c.destroy();
    await Promise.all([listenerClosed, ...sockets]);
  }
}
