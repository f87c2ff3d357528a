/**
 * Kong Admin API health endpoints (resources.md §2.6) over the native proxy's Kong upstreams:
 * `GET /upstreams/{u}/health` (targets, or the balancer with `?balancer_health`), and PUT (or
 * POST, Kong 2.x) `/upstreams/{u}/targets/{t}[/{address}]/healthy|unhealthy` → 204. Receives raw
 * node:http requests and the live KongClusterHealth set; emits Kong's JSON shapes and 404/405.
 * Never owns health: it reads KongClusterHealth views and calls setTargetHealth.
 */
import type http from 'node:http';
import type { Logger } from '../log';
import type { ClusterHealth } from '../proxy/health/cluster-health';
import { KongClusterHealth, type KongTargetView } from '../proxy/kong/kong-cluster-health';

/** The Kong upstreams of the moment (the runtime's Kong-engine clusters). */
export interface KongUpstreamRegistry {
  upstreams(): readonly KongClusterHealth[];
}

export interface KongAdminOptions {
  readonly registry: KongUpstreamRegistry;
  /** This node's id (`node_id` in every listing). */
  readonly nodeId: string;
  readonly logger?: Logger;
}

export type KongAdminHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Builds the registry from the runtime's cluster views (e.g. `() => runtime.clusters()`). */
export function kongUpstreamsOf(clusters: () => readonly { readonly health: ClusterHealth }[]): KongUpstreamRegistry {
  return { upstreams: () => clusters().flatMap((c) => (c.health instanceof KongClusterHealth ? [c.health] : [])) };
}

type Health = 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF';
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A Kong Admin API path, split: `health` listing or a `healthy`/`unhealthy` post. */
export type KongAdminPath =
  | { readonly kind: 'health'; readonly upstream: string }
  | { readonly kind: 'set'; readonly upstream: string; readonly target: string; readonly address?: string; readonly healthy: boolean };

export function parseKongAdminPath(pathname: string): KongAdminPath | undefined {
  const parts = pathname.split('/').slice(1);
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts[0] !== 'upstreams' || parts.some((p) => p === '')) return undefined;
  const seg = parts.map((p) => safeDecode(p));
  if (seg.some((s) => s === undefined)) return undefined;
  const [, upstream, what, target, fourth, fifth] = seg as string[];
  if (seg.length === 3 && what === 'health') return { kind: 'health', upstream: upstream as string };
  if (what !== 'targets' || target === undefined) return undefined;
  const last = seg.length === 5 ? fourth : seg.length === 6 ? fifth : undefined;
  if (last !== 'healthy' && last !== 'unhealthy') return undefined;
  return { kind: 'set', upstream: upstream as string, target, ...(seg.length === 6 ? { address: fourth } : {}), healthy: last === 'healthy' };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function sendJson(res: http.ServerResponse, status: number, body: Json | undefined, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const notFound = (res: http.ServerResponse): void => sendJson(res, 404, { message: 'Not found' });

/** IPv6 targets may come bracketed or not; Kong's own form is `[v6]:port`. */
function sameTarget(a: string, b: string): boolean {
  const norm = (s: string): string => s.toLowerCase().replace(/^([0-9a-f:]*:[0-9a-f:]*):(\d+)$/, '[$1]:$2');
  return norm(a) === norm(b);
}

function findUpstream(o: KongAdminOptions, nameOrId: string): KongClusterHealth | undefined {
  return o.registry.upstreams().find((u) => u.name === nameOrId || u.id === nameOrId);
}

function targetHealth(u: KongClusterHealth, t: KongTargetView): Health {
  if (!u.checksEnabled || t.weight === 0) return 'HEALTHCHECKS_OFF';
  return t.routable ? 'HEALTHY' : 'UNHEALTHY';
}

function weightOf(targets: readonly { readonly weight: number; readonly health: Health }[]): { [key: string]: Json } {
  const total = targets.reduce((s, t) => s + t.weight, 0);
  const unavailable = targets.filter((t) => t.health === 'UNHEALTHY').reduce((s, t) => s + t.weight, 0);
  return { total, unavailable, available: total - unavailable };
}

/** `data` of one target: its host and its single resolved address. */
function hostData(t: KongTargetView, health: Health): { [key: string]: Json } {
  const v6 = t.address.includes(':');
  return {
    host: t.address,
    port: t.port,
    dns: v6 ? 'AAAA' : 'A',
    nodeWeight: t.weight,
    weight: weightOf([{ weight: t.weight, health }]),
    addresses: [{ ip: t.address, port: t.port, weight: t.weight, health }],
  };
}

function targetEntry(u: KongClusterHealth, t: KongTargetView): { [key: string]: Json } {
  const health = targetHealth(u, t);
  return {
    id: t.id,
    target: t.key,
    weight: t.weight,
    upstream: { id: u.id },
    created_at: Math.round(t.createdAt) / 1000,
    health,
    data: hostData(t, health),
  };
}

function balancerHealth(u: KongClusterHealth): { [key: string]: Json } {
  const targets = u.kongTargets();
  const hosts = targets.map((t) => ({ weight: t.weight, health: targetHealth(u, t), data: hostData(t, targetHealth(u, t)) }));
  const weight = weightOf(hosts);
  const total = weight['total'] as number;
  const healthy = total > 0 && ((weight['available'] as number) / total) * 100 > u.threshold;
  const verdict: Health = healthy ? 'HEALTHY' : 'UNHEALTHY';
  return {
    id: u.id,
    health: u.checksEnabled ? verdict : 'HEALTHCHECKS_OFF',
    balancer_health: verdict,
    details: { healthy, weight, hosts: hosts.map((h) => h.data) },
  };
}

const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;

/** `GET /upstreams/{u}/health[?balancer_health=1][&size=n&offset=k]`. */
export function upstreamHealth(o: KongAdminOptions, res: http.ServerResponse, upstream: string, query: URLSearchParams): void {
  const u = findUpstream(o, upstream);
  if (!u) return notFound(res);
  if (query.has('balancer_health')) return sendJson(res, 200, { data: balancerHealth(u), next: null, node_id: o.nodeId });
  const size = query.has('size') ? Number(query.get('size')) : PAGE_DEFAULT;
  const offset = query.has('offset') ? Number(query.get('offset')) : 0;
  if (!Number.isInteger(size) || size < 1 || size > PAGE_MAX) return sendJson(res, 400, { message: `size must be an integer between 1 and ${PAGE_MAX}` });
  if (!Number.isInteger(offset) || offset < 0) return sendJson(res, 400, { message: 'invalid offset' });
  const targets = u.kongTargets();
  const page = targets.slice(offset, offset + size).map((t) => targetEntry(u, t));
  const more = offset + size < targets.length;
  const next = more ? `/upstreams/${encodeURIComponent(upstream)}/health?offset=${offset + size}${query.has('size') ? `&size=${size}` : ''}` : null;
  sendJson(res, 200, { data: page, next, node_id: o.nodeId });
}

/** `PUT|POST /upstreams/{u}/targets/{t}[/{address}]/healthy|unhealthy` → 204. */
export function setTargetHealth(o: KongAdminOptions, res: http.ServerResponse, p: Extract<KongAdminPath, { kind: 'set' }>): void {
  const u = findUpstream(o, p.upstream);
  const t = u?.kongTargets().find((x) => sameTarget(x.key, p.target) || x.id === p.target);
  if (!u || !t) return notFound(res);
  if (p.address !== undefined && !sameTarget(t.key, p.address)) return notFound(res);
  if (!u.checksEnabled) return sendJson(res, 400, { message: `no healthchecker found for ${u.name}` });
  u.setTargetHealth(t.key, p.healthy);
  o.logger?.info('kong admin: target health set', { upstream: u.name, target: t.key, healthy: p.healthy });
  sendJson(res, 204, undefined);
}

/**
 * The dispatcher: answers Kong's health paths and returns true, or returns false (nothing sent)
 * for any other path so the admin server can route it. Request bodies are drained and ignored.
 */
export function kongAdminDispatcher(o: KongAdminOptions): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const p = parseKongAdminPath(url.pathname);
    if (!p) return false;
    req.resume();
    const method = (req.method ?? 'GET').toUpperCase();
    const allowed = p.kind === 'health' ? ['GET'] : ['PUT', 'POST'];
    if (!allowed.includes(method)) {
      sendJson(res, 405, { message: 'Method not allowed' }, { allow: allowed.join(', ') });
      return true;
    }
    if (p.kind === 'health') upstreamHealth(o, res, p.upstream, url.searchParams);
    else setTargetHealth(o, res, p);
    return true;
  };
}

/** The same dispatcher as a plain `(req, res) => void` handler: unknown paths get Kong's 404. */
export function kongAdminHandler(o: KongAdminOptions): KongAdminHandler {
  const dispatch = kongAdminDispatcher(o);
  return (req, res) => {
    if (!dispatch(req, res)) {
      req.resume();
      notFound(res);
    }
  };
}
