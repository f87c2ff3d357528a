/**
 * FakeApiServer: a stand-in Kubernetes API server on 127.0.0.1 (node:http) speaking the real wire
 * protocol for the kinds healthplane watches: list (resourceVersion, limit/continue), watch
 * (chunked JSON event lines, bookmarks, timeoutSeconds, 410 Gone), create/update/merge-patch/
 * delete incl. the /status subresource, resourceVersion conflicts (409), and 404 for a CRD that is
 * "not installed". Tests drive faults through its methods (dropWatches, expireWatches, goAway...).
 * Test infrastructure only: never imported by src/.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ApiStatusError, clone, FakeApiStore, isObject, type JsonObject, type WatchEvent } from './fake-api-store';
import { listBody, parseTarget, statusBody, type Target } from './fake-api-routes';
import { apiVersionOf, FAKE_RESOURCE_TYPES, typeOfKind, type FakeResourceType } from './fake-api-types';

type ResourceTarget = Extract<Target, { t: 'resource' }>;

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  /** The Authorization header (tells clients with different tokens apart). */
  readonly authorization: string | undefined;
  readonly body: unknown;
}

interface ActiveWatch {
  readonly rt: FakeResourceType;
  readonly namespace: string | undefined;
  readonly res: http.ServerResponse;
  readonly bookmarks: boolean;
  readonly since: number;
  timer: NodeJS.Timeout | undefined;
}

interface Fault {
  remaining: number;
  readonly status: number;
  readonly match: (r: RequestRecord) => boolean;
}

export interface FakeApiServerOptions {
  /** Kinds whose CRD is not installed (their paths answer 404). */
  readonly missing?: readonly string[];
  /** How a watch from a compacted resourceVersion fails: an ERROR event (the real server) or HTTP 410. */
  readonly goneAs?: 'event' | 'status';
}

export class FakeApiServer extends EventEmitter {
  readonly store = new FakeApiStore();
  readonly requests: RequestRecord[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ActiveWatch>();
  private readonly missing: Set<string>;
  private readonly faults: Fault[] = [];
  private readonly continues = new Map<string, { items: JsonObject[]; rv: number }>();
  private nextContinue = 0;
  private goneAs: 'event' | 'status';
  private port = 0;

  private constructor(options: FakeApiServerOptions) {
    super();
    this.missing = new Set(options.missing ?? []);
    this.goneAs = options.goneAs ?? 'event';
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.store.onEvent((e) => this.dispatch(e));
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const s = new FakeApiServer(options);
    await s.listen(0);
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ---- test controls -------------------------------------------------------------------------

  /** Installs or removes a kind's CRD (objects stay stored; only the paths appear or vanish). */
  setInstalled(kind: string, installed: boolean): void {
    if (installed) this.missing.delete(kind);
    else this.missing.add(kind);
  }

  setGoneAs(mode: 'event' | 'status'): void {
    this.goneAs = mode;
  }

  /** Creates the object, or replaces it (status included) when it exists. */
  apply(obj: JsonObject): JsonObject {
    const { rt, namespace, name } = this.identify(obj);
    const current = this.store.get(rt, namespace, name);
    if (!current) return this.store.create(rt, namespace, obj, timestamp());
    const body = clone(obj);
    delete (body.metadata as JsonObject).resourceVersion;
    const updated = this.store.update(rt, namespace, name, body, undefined);
    return 'status' in obj ? this.store.update(rt, namespace, name, { status: obj.status }, 'status') : updated;
  }

  remove(kind: string, namespace: string, name: string): JsonObject {
    return this.store.delete(typeOfKind(kind), namespace, name);
  }

  get(kind: string, namespace: string, name: string): JsonObject | undefined {
    return this.store.get(typeOfKind(kind), namespace, name);
  }

  /** Active watches (of one kind, when given). */
  watchCount(kind?: string): number {
    return [...this.watches].filter((w) => kind === undefined || w.rt.kind === kind).length;
  }

  /** Resolves when the next watch of `kind` is established (with the resourceVersion it asked for). */
  nextWatch(kind: string): Promise<string> {
    return new Promise((resolve) => {
      const on = (k: string, rv: string): void => {
        if (k !== kind) return;
        this.off('watch', on);
        resolve(rv);
      };
      this.on('watch', on);
    });
  }

  /** Cuts every watch connection (of one kind, when given), optionally in the middle of an event line. */
  dropWatches(options: { kind?: string; midLine?: boolean } = {}): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (options.kind !== undefined && w.rt.kind !== options.kind) continue;
      if (options.midLine) w.res.write('{"type":"MODIFIED","object":{"kind":');
      this.endWatch(w);
      w.res.socket?.destroy();
      n++;
    }
    return n;
  }

  /** Forgets the event history: watches resuming from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.store.compact();
  }

  /** Compacts, then ends every live watch with a 410 ERROR event (as etcd compaction does). */
  expireWatches(): void {
    this.compact();
    for (const w of [...this.watches]) {
      w.res.write(JSON.stringify({ type: 'ERROR', object: goneStatus(w.since, this.store.compactedBefore) }) + '\n');
      this.endWatch(w);
      w.res.end();
    }
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      const object = { kind: w.rt.kind, apiVersion: apiVersionOf(w.rt), metadata: { resourceVersion: String(this.store.resourceVersion) } };
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
    }
  }

  /** Answers the next `count` requests matching `match` with `status` (a Status body). */
  failNext(count: number, status: number, match: (r: RequestRecord) => boolean = () => true): void {
    this.faults.push({ remaining: count, status, match });
  }

  /** Stops listening and cuts every connection (the API server went away). */
  async goAway(): Promise<void> {
    for (const w of [...this.watches]) this.endWatch(w);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async comeBack(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.goAway();
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return send(res, 400, statusBody(400, 'BadRequest', 'the body is not JSON'));
    }
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType: req.headers['content-type'], authorization: req.headers.authorization, body };
    this.requests.push(record);
    this.emit('request', record);
    const fault = this.faults.find((f) => f.remaining > 0 && f.match(record));
    if (fault) {
      fault.remaining--;
      return send(res, fault.status, statusBody(fault.status, 'InternalError', 'injected failure'));
    }
    const target = parseTarget(url.pathname, (rt) => !this.missing.has(rt.kind));
    if (target.t === 'unknown') return send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    if (target.t === 'discovery') return send(res, 200, target.body);
    try {
      this.route(target, record, res);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      send(res, err.code, statusBody(err.code, err.reason, err.message));
    }
  }

  private route(t: ResourceTarget, r: RequestRecord, res: http.ServerResponse): void {
    const ns = t.namespace ?? '';
    const body = isObject(r.body) ? r.body : {};
    if (t.name === undefined) {
      if (r.method === 'GET' && (r.query.watch === 'true' || r.query.watch === '1')) return this.watch(t, r, res);
      if (r.method === 'GET') return this.list(t, r, res);
      if (r.method === 'POST') return send(res, 201, this.store.create(t.rt, ns, body, timestamp()));
    } else if (r.method === 'GET') {
      const o = this.store.get(t.rt, ns, t.name);
      if (!o) throw new ApiStatusError(404, 'NotFound', `${t.rt.plural}.${t.rt.group} "${t.name}" not found`);
      return send(res, 200, o);
    } else if (r.method === 'PUT') {
      return send(res, 200, this.store.update(t.rt, ns, t.name, body, t.subresource));
    } else if (r.method === 'PATCH') {
      const type = (r.contentType ?? '').split(';')[0];
      if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
        throw new ApiStatusError(415, 'UnsupportedMediaType', `the stand-in supports merge patches only, not ${type}`);
      }
      return send(res, 200, this.store.patch(t.rt, ns, t.name, body, t.subresource));
    } else if (r.method === 'DELETE') {
      return send(res, 200, this.store.delete(t.rt, ns, t.name));
    }
    throw new ApiStatusError(405, 'MethodNotAllowed', `${r.method} is not supported here`);
  }

  private list(t: ResourceTarget, r: RequestRecord, res: http.ServerResponse): void {
    const limit = Number(r.query.limit ?? 0);
    let items: JsonObject[];
    let rv: number;
    if (r.query.continue) {
      const saved = this.continues.get(r.query.continue);
      if (!saved || saved.rv < this.store.compactedBefore - 1) {
        throw new ApiStatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      ({ items, rv } = saved);
      this.continues.delete(r.query.continue);
    } else {
      items = this.store.list(t.rt, t.namespace);
      rv = this.store.resourceVersion;
    }
    if (limit > 0 && items.length > limit) {
      const token = `c${++this.nextContinue}`;
      this.continues.set(token, { items: items.slice(limit), rv });
      return send(res, 200, listBody(t.rt, items.slice(0, limit), rv, token, items.length - limit));
    }
    send(res, 200, listBody(t.rt, items, rv, undefined, 0));
  }

  private watch(t: ResourceTarget, r: RequestRecord, res: http.ServerResponse): void {
    const asked = r.query.resourceVersion ?? '';
    const from = asked === '' || asked === '0' ? undefined : Number(asked);
    const replay = from === undefined ? [] : this.store.since(from, t.rt, t.namespace);
    if (replay === undefined && this.goneAs === 'status') {
      return send(res, 410, statusBody(410, 'Expired', `too old resource version: ${from} (${this.store.compactedBefore})`));
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (replay === undefined) {
      res.end(JSON.stringify({ type: 'ERROR', object: goneStatus(from ?? 0, this.store.compactedBefore) }) + '\n');
      return;
    }
    const w: ActiveWatch = { rt: t.rt, namespace: t.namespace, res, bookmarks: r.query.allowWatchBookmarks === 'true', since: from ?? this.store.resourceVersion, timer: undefined };
    this.watches.add(w);
    res.on('close', () => this.endWatch(w));
    if (from === undefined) for (const o of this.store.list(t.rt, t.namespace)) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    for (const e of replay) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    const timeout = Number(r.query.timeoutSeconds ?? 0);
    if (timeout > 0) {
      w.timer = setTimeout(() => {
        this.endWatch(w);
        res.end();
      }, timeout * 1000);
    }
    this.emit('watch', t.rt.kind, asked);
  }

  private dispatch(e: WatchEvent): void {
    for (const w of this.watches) {
      if (w.rt !== e.rt || (w.namespace !== undefined && w.namespace !== e.namespace)) continue;
      w.res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    }
  }

  private endWatch(w: ActiveWatch): void {
    if (w.timer) clearTimeout(w.timer);
    this.watches.delete(w);
  }

  private identify(obj: JsonObject): { rt: FakeResourceType; namespace: string; name: string } {
    const rt = typeOfKind(String(obj.kind));
    const m = isObject(obj.metadata) ? obj.metadata : {};
    return { rt, namespace: rt.namespaced ? String(m.namespace ?? 'default') : '', name: String(m.name) };
  }
}

/** The Status a real API server sends for a watch from a compacted resourceVersion. */
function goneStatus(asked: number, oldest: number): JsonObject {
  return statusBody(410, 'Expired', `too old resource version: ${asked} (${oldest})`);
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export { FAKE_RESOURCE_TYPES };
