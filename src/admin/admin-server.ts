/**
 * AdminServer: a small node:http server for operators. Owns the listening socket, a table of GET
 * routes registered by the app (each with a one-line description for the index at GET /), and raw
 * hooks that see every request first (Kong's Admin API, whose PUT/POST set target health).
 * Receives requests; emits JSON or text. Answers 405 to anything else but GET and 404 to unknown
 * paths; binds to loopback unless told otherwise. Its GET routes never change what they report on.
 */
import http from 'node:http';
import type { Logger } from '../log';
import { closeServer } from '../close-server';
import { listenServer } from '../listen-server';

export interface AdminRequest {
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface AdminResponse {
  readonly status: number;
  /** A string is sent as text/plain; anything else as pretty-printed JSON. */
  readonly body: unknown;
}

export type AdminHandler = (req: AdminRequest) => AdminResponse | Promise<AdminResponse>;

interface Route {
  readonly path: string;
  readonly description: string;
  readonly handler: AdminHandler;
}

/**
 * Sees a request before the GET routes and the method check: answers it and returns true, or
 * returns false without touching it.
 */
export type AdminRawHook = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

interface RawHook {
  readonly description: string;
  readonly hook: AdminRawHook;
}

export interface AdminServerOptions {
  readonly logger: Logger;
}

export class AdminServer {
  private readonly routes = new Map<string, Route>();
  private readonly hooks: RawHook[] = [];
  private server: http.Server | undefined;

  constructor(private readonly options: AdminServerOptions) {
    this.route('/', 'this index', () => ({ status: 200, body: this.index() }));
  }

  /** Registers (or replaces) the handler of GET `path`. */
  route(path: string, description: string, handler: AdminHandler): this {
    if (!path.startsWith('/')) throw new Error(`admin route must start with "/": ${path}`);
    this.routes.set(path, { path, description, handler });
    return this;
  }

  /** Adds a raw hook (run in the order added, before any route); `description` goes in the index. */
  hook(description: string, hook: AdminRawHook): this {
    this.hooks.push({ description, hook });
    return this;
  }

  /** Binds host:port (0 = any free port) and resolves the bound port. */
  listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return listenServer(server, host, port);
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeServer(server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    try {
      if (this.hooks.some((h) => h.hook(req, res))) return;
    } catch (err) {
      this.options.logger.error('admin hook failed', { path: url.pathname, method: req.method, err });
      if (!res.headersSent) send(res, { status: 500, body: 'internal error\n' });
      else res.destroy();
      return;
    }
    if (req.method !== 'GET') {
      send(res, { status: 405, body: `method ${req.method ?? ''} not allowed; the admin API is read-only (GET)\n` }, { Allow: 'GET' });
      return;
    }
    const route = this.routes.get(url.pathname);
    if (!route) {
      send(res, { status: 404, body: `no such admin path: ${url.pathname}; see GET / for the list\n` });
      return;
    }
    try {
      send(res, await route.handler({ path: url.pathname, query: url.searchParams }));
    } catch (err) {
      this.options.logger.error('admin handler failed', { path: url.pathname, err });
      send(res, { status: 500, body: 'internal error\n' });
    }
  }

  private index(): string {
    const routes = [...this.routes.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    const width = Math.max(...routes.map((r) => r.path.length));
    const hooks = this.hooks.map((h) => `  ${h.description}`);
    return ['healthplane admin', '', ...routes.map((r) => `  GET ${r.path.padEnd(width)}  ${r.description}`), ...hooks, ''].join('\n');
  }
}

function send(res: http.ServerResponse, response: AdminResponse, headers: Record<string, string> = {}): void {
  const isText = typeof response.body === 'string';
  const body = isText ? (response.body as string) : `${JSON.stringify(response.body, null, 2)}\n`;
  res.writeHead(response.status, {
    'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}
