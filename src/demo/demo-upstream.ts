/**
 * The demo upstream (`healthplane demo-upstream --port N [--name X]`): a small httpbin-like
 * node:http server for the quickstart, the e2e tests and the benchmarks. Serves `/status/{codes}`,
 * `/delay/{s}`, `/get`, `/headers`, `/anything`, `/echo`, `/stream/{n}`, `/` and `/health`, and a
 * control API (`POST /admin/fail?status=N`, `POST /admin/recover`) that flips it to failing.
 * Time and randomness are injected; it never talks to anything but its own clients.
 */
import http from 'node:http';
import type { Clock, Random, TimerHandle } from '../clock';
import { closeServer } from '../close-server';
import { listenServer } from '../listen-server';

export interface DemoUpstreamOptions {
  readonly port: number;
  /** Bind address (default 127.0.0.1). */
  readonly host?: string;
  /** Sent as `x-demo-upstream` on every response (default `demo-<port>`). */
  readonly name?: string;
  /** Times `/delay/{s}` (the CLI passes the system clock). */
  readonly clock: Clock;
  /** Picks among `/status/{a,b}` codes. */
  readonly random: Random;
}

export interface DemoUpstream {
  readonly port: number;
  readonly name: string;
  /** The status every non-admin request gets while failing, else undefined. */
  readonly failingWith: number | undefined;
  close(): Promise<void>;
}

/** Longest `/delay/{seconds}` honoured, like httpbin. */
export const MAX_DELAY_SECONDS = 10;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, match: RegExpExecArray) => void;

interface State {
  name: string;
  readonly clock: Clock;
  readonly random: Random;
  failing: number | undefined;
}

/**
 * Picks one status of `/status/{codes}`: `200`, `200,500` (uniform) or `200:3,500:1` (weighted).
 * Returns undefined when the list is malformed.
 */
export function pickStatus(spec: string, random: Random): number | undefined {
  const choices: { code: number; weight: number }[] = [];
  for (const part of spec.split(',')) {
    const [codeText = '', weightText] = part.split(':');
    const code = Number(codeText);
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isInteger(code) || code < 100 || code > 599 || !(weight >= 0)) return undefined;
    choices.push({ code, weight });
  }
  const total = choices.reduce((s, c) => s + c.weight, 0);
  if (choices.length === 0 || total <= 0) return undefined;
  let roll = random.next() * total;
  for (const c of choices) {
    if (roll < c.weight) return c.code;
    roll -= c.weight;
  }
  return choices[choices.length - 1]?.code;
}

/** httpbin prints header names in Title-Case. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function headersObject(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[titleCase(k)] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function argsObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return out;
}

function origin(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function requestInfo(req: http.IncomingMessage, url: URL): Record<string, unknown> {
  return { args: argsObject(url), headers: headersObject(req), origin: origin(req), url: `http://${req.headers.host ?? ''}${url.pathname}${url.search}` };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function routes(state: State): readonly (readonly [string, RegExp, Handler])[] {
  return [
    ['POST', /^\/admin\/fail$/, (_req, res, url) => {
      const status = Number(url.searchParams.get('status') ?? '500');
      if (!Number.isInteger(status) || status < 100 || status > 599) return sendText(res, 400, 'status must be 100-599\n');
      state.failing = status;
      sendJson(res, 200, { name: state.name, failing: status });
    }],
    ['POST', /^\/admin\/recover$/, (_req, res) => {
      state.failing = undefined;
      sendJson(res, 200, { name: state.name, failing: null });
    }],
    ['*', /^\/status\/([0-9:,.]+)$/, (_req, res, _url, m) => {
      const status = pickStatus(m[1] ?? '', state.random);
      if (status === undefined) return sendText(res, 400, 'Invalid status code\n');
      res.writeHead(status, { 'content-length': 0 });
      res.end();
    }],
    ['*', /^\/delay\/([0-9.]+)$/, (req, res, url, m) => {
      const seconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Number(m[1])));
      const timer: TimerHandle = state.clock.setTimeout(() => sendJson(res, 200, requestInfo(req, url)), seconds * 1000);
      res.once('close', () => state.clock.clearTimeout(timer));
    }],
    ['GET', /^\/get$/, (req, res, url) => sendJson(res, 200, requestInfo(req, url))],
    ['GET', /^\/headers$/, (req, res) => sendJson(res, 200, { headers: headersObject(req) })],
    ['*', /^\/anything(\/.*)?$/, (req, res, url) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => sendJson(res, 200, { ...requestInfo(req, url), method: req.method, data: Buffer.concat(chunks).toString('utf8') }));
    }],
    ['POST', /^\/echo$/, (req, res) => {
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
      req.pipe(res);
    }],
    ['GET', /^\/stream\/(\d+)$/, (req, res, url, m) => {
      const n = Math.min(100, Number(m[1]));
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let id = 0; id < n; id++) res.write(`${JSON.stringify({ id, ...requestInfo(req, url) })}\n`);
      res.end();
    }],
    ['GET', /^\/(health)?$/, (_req, res) => sendJson(res, 200, { status: 'ok', name: state.name })],
  ];
}

function handle(state: State, table: ReturnType<typeof routes>, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('x-demo-upstream', state.name);
  const url = new URL(req.url ?? '/', 'http://demo.invalid');
  const isAdmin = url.pathname.startsWith('/admin/');
  if (state.failing !== undefined && !isAdmin) {
    req.resume();
    return sendText(res, state.failing, `${state.name} is failing with ${state.failing}\n`);
  }
  for (const [method, pattern, handler] of table) {
    const m = pattern.exec(url.pathname);
    if (!m) continue;
    if (method !== '*' && method !== req.method && !(method === 'GET' && req.method === 'HEAD')) {
      req.resume();
      return sendText(res, 405, 'Method Not Allowed\n');
    }
    return handler(req, res, url, m);
  }
  req.resume();
  sendText(res, 404, 'Not Found\n');
}

/**
 * Starts a demo upstream; resolves once it listens (port 0 picks a free port). Endpoints:
 *   GET  /, /health            200 `{"status":"ok","name":...}`
 *   ANY  /status/{codes}       that status, empty body; `200,503` picks uniformly, `200:3,503:1` by weight
 *   ANY  /delay/{s}            /get's JSON after s seconds (at most 10)
 *   GET  /get, /headers        httpbin's JSON (args, headers in Title-Case, origin, url)
 *   ANY  /anything[/...]       /get's JSON plus method and the request body as `data`
 *   POST /echo                 streams the request body back
 *   GET  /stream/{n}           n JSON lines (n ≤ 100)
 *   POST /admin/fail?status=N  from now on every non-admin request gets status N (default 500)
 *   POST /admin/recover        back to normal
 * Every response carries `x-demo-upstream: <name>`.
 */
export function startDemoUpstream(options: DemoUpstreamOptions): Promise<DemoUpstream> {
  const state: State = {
    name: options.name ?? `demo-${options.port}`,
    clock: options.clock,
    random: options.random,
    failing: undefined,
  };
  const table = routes(state);
  const server = http.createServer((req, res) => handle(state, table, req, res));
  // Longer than the proxy's idle pooling, so pooled connections are rarely closed under it.
  server.keepAliveTimeout = 65_000;
  return listenServer(server, options.host ?? '127.0.0.1', options.port).then((port) => {
    if (options.name === undefined) state.name = `demo-${port}`;
    return {
      port,
      get name() {
        return state.name;
      },
      get failingWith() {
        return state.failing;
      },
      close: () => closeServer(server),
    };
  });
}
