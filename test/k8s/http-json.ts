/**
 * Tiny raw HTTP helpers for testing the stand-in API server at the wire level: one JSON request,
 * and a watch stream read line by line. Every wait is bounded.
 */
import http from 'node:http';

export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export function httpJson(url: string, method = 'GET', body?: unknown, contentType = 'application/json'): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, headers: payload ? { 'Content-Type': contentType } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface WatchEventLine {
  readonly type: string;
  readonly object: Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string } };
}

/** A watch read line by line: next() resolves with the next event, ended() when the server closed it. */
export class WatchReader {
  private readonly queue: WatchEventLine[] = [];
  private waiters: ((e: WatchEventLine | undefined) => void)[] = [];
  private closed = false;
  private req: http.ClientRequest;
  status = 0;

  constructor(url: string) {
    this.req = http.get(url, (res) => {
      this.status = res.statusCode ?? 0;
      let buffer = '';
      res.on('data', (c: Buffer) => {
        buffer += c.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== '') this.push(JSON.parse(line) as WatchEventLine);
        }
      });
      res.on('close', () => this.end());
    });
    this.req.on('error', () => this.end());
  }

  next(timeoutMs = 2000): Promise<WatchEventLine | undefined> {
    const e = this.queue.shift();
    if (e || this.closed) return Promise.resolve(e);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no watch event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  }

  close(): void {
    this.req.destroy();
  }

  private push(e: WatchEventLine): void {
    const w = this.waiters.shift();
    if (w) w(e);
    else this.queue.push(e);
  }

  private end(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
