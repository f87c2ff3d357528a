/**
 * ProxyServer: one listening socket of the native proxy (the proxy's own HTTP/1.1 server,
 * Http1Server). For every request it takes the route table of the moment (so a new IR applies to
 * the next request, never halfway through one), matches a route and applies its action: forward (weighted backend, host pick, rewrites, header
 * modifiers, then an UpstreamExchange), redirect, or direct response; no route is Envoy's 404.
 * Kong-engine clusters with no available target get Kong's 503 (with `X-Kong-Response-Latency`).
 * Emits `http.<prefix>.*` downstream stats. Never owns pools or health: the runtime does.
 */
import type { Clock, Random } from '../clock';
import type * as ir from '../ir/types';
import type { Logger } from '../log';
import { Deadlines } from './deadlines';
import { UpstreamExchange, type ExchangeDeps } from './forwarder';
import type { DownstreamRequest, DownstreamResponse } from './http1/downstream';
import { Http1Server } from './http1/http1-server';
import { addForwardingHeaders, applyHeaderModifier, withoutHopByHop, type HeaderRecord } from './headers';
import { kongNoPeerReply } from './kong/kong-responses';
import { LocalReplies, sendLocalReply } from './local-reply';
import { redirectLocation, rewritePath } from './rewrite';
import type { RouteMatchResult, Router } from './router';
import type { Counter, Gauge, Stats } from './stats';
import type { UpstreamPool } from './upstream-pool';

/** Envoy's default route timeout. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
/** Idle time after which a kept-alive downstream connection is closed. */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** The live table a request is served from: routes and the pools they name. */
export interface ProxyTable {
  readonly router: Router;
  pool(name: string): UpstreamPool | undefined;
}

export interface ProxyServerOptions {
  /** The table of the moment (undefined: nothing configured yet, every request gets 404). */
  readonly table: () => ProxyTable | undefined;
  /** Prefix of the downstream stats: `http.<statPrefix>.downstream_rq_total`, ... */
  readonly statPrefix: string;
  readonly routeTimeoutMs?: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly stats: Stats;
  readonly logger: Logger;
}

/** Picks a backend of a forward action by weight; the unresolved share comes last. */
export function chooseBackend(action: ir.ForwardAction, random: Random): string | 'unresolved' {
  const backends = action.backends;
  let total = Math.max(0, action.unresolvedWeight);
  for (const b of backends) total += Math.max(0, b.weight);
  if (total <= 0) return 'unresolved';
  let roll = Math.floor(random.next() * total);
  for (const b of backends) {
    if (b.weight <= 0) continue;
    if (roll < b.weight) return b.name;
    roll -= b.weight;
  }
  return 'unresolved';
}

/** What forward() needs of a matched request. */
interface ForwardContext {
  readonly table: ProxyTable;
  readonly match: RouteMatchResult;
  readonly action: ir.ForwardAction;
  /** When the request arrived (clock ms): Kong's latency headers count from here. */
  readonly receivedAt: number;
}

/** The downstream stats of one server, as handles. */
interface DownstreamStats {
  readonly rqTotal: Counter;
  /** `downstream_rq_1xx` … `downstream_rq_5xx`. */
  readonly rqClass: readonly Counter[];
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
}

export class ProxyServer {
  private server: Http1Server | undefined;
  private port = 0;
  private readonly ds: DownstreamStats;
  /** What every UpstreamExchange of this server shares. */
  private readonly exchangeDeps: ExchangeDeps;
  private readonly timeoutMs: number;

  constructor(private readonly options: ProxyServerOptions) {
    const { clock, random, logger } = options;
    this.exchangeDeps = { clock, random, logger, deadlines: new Deadlines(clock) };
    this.timeoutMs = options.routeTimeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    const c = (name: string): Counter => options.stats.counter(this.statName(name));
    this.ds = {
      rqTotal: c('downstream_rq_total'),
      rqClass: [1, 2, 3, 4, 5].map((n) => c(`downstream_rq_${n}xx`)),
      cxTotal: c('downstream_cx_total'),
      cxActive: options.stats.gauge(this.statName('downstream_cx_active')),
    };
  }

  /** Binds host:port (0 = any free port) and resolves the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const { cxTotal, cxActive } = this.ds;
    const closed = (): void => cxActive.add(-1);
    const server = new Http1Server({
      handler: (req, res) => this.handle(req, res),
      clock: this.options.clock,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      onResponse: (status) => this.countStatus(status),
      onError: (err) => this.options.logger.error('proxy connection failed; closed it', { err }),
      onConnection: () => {
        cxTotal.inc();
        cxActive.add(1);
        return closed;
      },
    });
    this.server = server;
    this.port = await server.listen(host, port);
    return this.port;
  }

  get boundPort(): number {
    return this.port;
  }

  /** Stops accepting, then closes every connection (in-flight requests are cut). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await server.stop();
  }

  private handle(req: DownstreamRequest, res: DownstreamResponse): void {
    const receivedAt = this.options.clock.now();
    this.ds.rqTotal.inc();
    const table = this.options.table();
    const match = table?.router.match({ method: req.method ?? 'GET', host: req.headers.host ?? '', url: req.url ?? '/', headers: req.headers });
    if (!table || !match) {
      this.stat('no_route');
      req.discard();
      sendLocalReply(res, LocalReplies.noRoute);
      return;
    }
    const { route } = match;
    const action = route.action;
    if (action.type === 'forward') {
      this.forward(req, res, { table, match, action, receivedAt });
      return;
    }
    req.discard();
    if (action.type === 'directResponse') {
      this.stat('rq_direct_response');
      sendLocalReply(res, { status: action.status, body: action.body ?? '', contentType: 'text/plain' }, route.responseHeaders);
      return;
    }
    this.stat('rq_redirect');
    const location = redirectLocation(action, {
      scheme: 'http',
      host: req.headers.host ?? '',
      listenerPort: req.localPort ?? this.port,
      path: match.path,
      query: match.query,
    });
    sendLocalReply(res, { status: action.statusCode, body: '' }, route.responseHeaders, { location });
  }

  private forward(req: DownstreamRequest, res: DownstreamResponse, f: ForwardContext): void {
    const { table, match, action, receivedAt } = f;
    const { route } = match;
    const { random, clock } = this.options;
    const name = chooseBackend(action, random);
    const pool = name === 'unresolved' ? undefined : table.pool(name);
    if (!pool) {
      req.discard();
      sendLocalReply(res, name === 'unresolved' ? LocalReplies.unresolvedBackend : LocalReplies.clusterNotFound, route.responseHeaders);
      return;
    }
    const pick = pool.pick();
    if (pick.host === undefined) {
      req.discard();
      if (pick.reason === 'kong-balancer-unhealthy') {
        const kong = kongNoPeerReply({ receivedAt, now: clock.now() });
        sendLocalReply(res, { status: kong.status, body: kong.body }, route.responseHeaders, { ...kong.headers });
      } else {
        sendLocalReply(res, LocalReplies.noHealthyUpstream, route.responseHeaders);
      }
      return;
    }
    const timeoutMs = this.timeoutMs;
    const headers: HeaderRecord = withoutHopByHop(req.headers);
    delete headers['expect'];
    addForwardingHeaders(headers, { remoteAddress: req.remoteAddress, scheme: 'http', timeoutMs, random });
    applyHeaderModifier(headers, route.requestHeaders);
    if (action.hostRewrite !== undefined) headers['host'] = action.hostRewrite;
    const path = action.rewrite ? rewritePath(match.path, action.rewrite) : match.path;
    const exchange = new UpstreamExchange(this.exchangeDeps, {
      req, res, pool, host: pick.host, target: path + match.query, headers, timeoutMs, responseHeaders: route.responseHeaders, receivedAt,
      parsedHeaders: route.requestHeaders === undefined && action.hostRewrite === undefined,
    });
    exchange.start();
  }

  private countStatus(status: number): void {
    const counter = this.ds.rqClass[Math.floor(status / 100) - 1];
    if (counter) counter.inc();
    else this.stat(`downstream_rq_${Math.floor(status / 100)}xx`);
  }

  private stat(name: string): void {
    this.options.stats.inc(this.statName(name));
  }

  private statName(name: string): string {
    return `http.${this.options.statPrefix}.${name}`;
  }
}
