/**
 * KubeApi: plain JSON requests to the Kubernetes API server (list pages, get, create, replace,
 * merge patch) with the KubeConfig's TLS and credentials applied to every request. Receives paths
 * and bodies; emits the parsed JSON, or a KubeApiError carrying the HTTP status and the Status
 * reason. Objects come back exactly as the server sent them (no typed-model conversion); it never
 * retries: callers decide.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export type Json = Record<string, unknown>;

export class KubeApiError extends Error {
  constructor(
    /** HTTP status, or 0 when no response came (refused, reset, timed out). */
    readonly statusCode: number,
    /** The Status reason (`NotFound`, `Conflict`, `Expired`...), or the network error code. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isStatus(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === code;
}

export interface KubeListPage {
  readonly items: readonly Json[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/** The requests healthplane makes besides watches (which go through client-node's Watch). */
export interface KubeApi {
  listPage(path: string, limit: number, continueToken: string | undefined): Promise<KubeListPage>;
  get(path: string): Promise<Json>;
  create(path: string, body: Json): Promise<Json>;
  replace(path: string, body: Json): Promise<Json>;
  mergePatch(path: string, patch: Json): Promise<Json>;
}

export class KubeHttpApi implements KubeApi {
  constructor(
    private readonly config: KubeConfig,
    private readonly timeoutMs = 30_000,
  ) {}

  async listPage(path: string, limit: number, continueToken: string | undefined): Promise<KubeListPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (continueToken !== undefined) q.set('continue', continueToken);
    const body = await this.request('GET', `${path}?${q}`);
    const meta = (body.metadata ?? {}) as { resourceVersion?: string; continue?: string };
    const items = Array.isArray(body.items) ? (body.items as Json[]) : [];
    return { items, resourceVersion: meta.resourceVersion ?? '', continueToken: meta.continue ? meta.continue : undefined };
  }

  get(path: string): Promise<Json> {
    return this.request('GET', path);
  }

  create(path: string, body: Json): Promise<Json> {
    return this.request('POST', path, body);
  }

  replace(path: string, body: Json): Promise<Json> {
    return this.request('PUT', path, body);
  }

  mergePatch(path: string, patch: Json): Promise<Json> {
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  private async request(method: string, path: string, body?: Json, contentType = 'application/json'): Promise<Json> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new KubeApiError(0, 'NoCluster', 'the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options: https.RequestOptions = { method, headers: { Accept: 'application/json', ...(payload !== undefined ? { 'Content-Type': contentType } : {}) } };
    await this.config.applyToHTTPSOptions(options);
    const { status, text } = await send(url, options, payload, this.timeoutMs);
    const parsed = parseJson(text);
    if (status >= 200 && status < 300) {
      if (parsed === undefined) throw new KubeApiError(status, 'BadResponse', `${method} ${url.pathname}: the answer is not a JSON object`);
      return parsed;
    }
    const reason = typeof parsed?.reason === 'string' ? parsed.reason : `HTTP${status}`;
    const message = typeof parsed?.message === 'string' ? parsed.message : text.slice(0, 200);
    throw new KubeApiError(status, reason, `${method} ${url.pathname}: ${status} ${reason}: ${message}`);
  }
}

function send(url: URL, options: https.RequestOptions, payload: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(networkError(url, err)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => reject(networkError(url, err)));
    req.end(payload);
  });
}

function networkError(url: URL, err: Error): KubeApiError {
  const code = (err as NodeJS.ErrnoException).code ?? 'NetworkError';
  return new KubeApiError(0, code, `${url.origin}${url.pathname}: ${err.message}`);
}

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}
