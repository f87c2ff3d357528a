/**
 * One request and its response on a downstream HTTP/1.1 connection of the proxy's own codec.
 * DownstreamRequest holds the parsed head and hands the body on to one consumer (buffered until
 * it attaches, with back-pressure to the socket); DownstreamResponse frames what the proxy
 * writes (status line, headers, `date`, content-length or chunked or close-delimited body,
 * `connection`). Both talk to their connection through DownstreamChannel; neither parses bytes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { bodyless, chunkFrames, DateHeader, headerLines, lastChunk, newHeadInfo, statusLine, type HeaderInput } from './wire';

/** Request headers as node:http presents them: lower-case names, repeats joined or listed. */
export type RequestHeaders = IncomingHttpHeaders;

/** What a request and its response need of their connection. */
export interface DownstreamChannel {
  /** Writes head and/or body frames as one batch; false when the socket buffer is full. */
  send(head: string | undefined, frames: readonly Buffer[]): boolean;
  /** The response is complete (every byte handed to the socket). */
  responseDone(res: DownstreamResponse): void;
  /** Closes the connection at once (Envoy's downstream reset). */
  reset(): void;
  /** Calls `fn` once the socket buffer drained. */
  onDrain(fn: () => void): void;
  /** The body consumer is full (true) or wants more (false). */
  holdBody(hold: boolean): void;
  /** Now, on the clock the connection runs on (for `date`). */
  now(): number;
}

/** Receives a request body. `data` returning false asks for a pause until `resumeBody()`. */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
}

/** Body bytes kept for a consumer that has not attached yet before the socket is paused. */
const BUFFER_HIGH_WATER = 64 * 1024;

/** Names whose repeats node:http drops (the first value wins). */
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/** A flat `[name, value, ...]` list as node:http's `req.headers`. */
export function requestHeaders(flat: readonly string[]): RequestHeaders {
  const out = Object.create(null) as RequestHeaders;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    const existing = out[name];
    if (existing === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else if (FIRST_WINS.has(name)) continue;
    else out[name] = `${existing}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

/** Whether a request carries a body (one that must be streamed, and so cannot be sent twice). */
export function hasRequestBody(headers: Readonly<RequestHeaders>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export class DownstreamRequest {
  /** The whole body arrived. */
  complete = false;
  private chunks: Buffer[] | undefined;
  private buffered = 0;
  private sink: BodySink | undefined;
  private discarding = false;
  private endListener: (() => void) | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: RequestHeaders,
    /** `1.1` or `1.0`. */
    readonly httpVersion: string,
    readonly remoteAddress: string | undefined,
    readonly localPort: number | undefined,
    private readonly channel: DownstreamChannel,
  ) {}

  /** Body bytes from the parser. */
  push(chunk: Buffer): void {
    if (this.discarding) return;
    if (this.sink) {
      if (!this.sink.data(chunk)) this.channel.holdBody(true);
      return;
    }
    (this.chunks ??= []).push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > BUFFER_HIGH_WATER) this.channel.holdBody(true);
  }

  /** The parser saw the end of the body. */
  finish(): void {
    this.complete = true;
    if (this.sink && !this.chunks) this.sink.end();
    const listener = this.endListener;
    this.endListener = undefined;
    listener?.();
  }

  /** Sends the body (what arrived so far, then the rest) to `sink`. */
  pipe(sink: BodySink): void {
    if (this.discarding) return;
    this.sink = sink;
    const chunks = this.chunks;
    this.chunks = undefined;
    this.buffered = 0;
    let wantsMore = true;
    if (chunks) for (const c of chunks) wantsMore = sink.data(c) && wantsMore;
    this.channel.holdBody(!wantsMore);
    if (this.complete) sink.end();
  }

  /** Collects the whole body, then calls `done` with it. */
  readAll(done: (body: Buffer) => void): void {
    const parts: Buffer[] = [];
    this.pipe({
      data: (c) => (parts.push(c), true),
      end: () => done(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)),
    });
  }

  /** The consumer wants the body paused (false) or flowing again (true). */
  flow(on: boolean): void {
    if (!this.discarding) this.channel.holdBody(!on);
  }

  /** Calls `fn` once the body has fully arrived (now, if it already has). */
  onEnd(fn: () => void): void {
    if (this.complete) fn();
    else this.endListener = fn;
  }

  /** Nobody will read the body: drop what arrived and what still comes. */
  discard(): void {
    if (this.discarding) return;
    this.discarding = true;
    this.sink = undefined;
    this.chunks = undefined;
    this.buffered = 0;
    this.channel.holdBody(false);
  }
}

const dates = new DateHeader();

export class DownstreamResponse {
  statusCode = 200;
  headersSent = false;
  /** `end()` ran: the response is complete. */
  finished = false;
  /** The connection stays open after this response. */
  keepAlive: boolean;
  /** Called if the connection closes before the response finished. */
  onAbandon: (() => void) | undefined;
  private pendingHead: string | undefined;
  private chunked = false;
  private noBody = false;

  constructor(
    private readonly channel: DownstreamChannel,
    private readonly req: DownstreamRequest,
    keepAlive: boolean,
  ) {
    this.keepAlive = keepAlive;
  }

  /**
   * Frames the head (sent with the first body bytes). Throws InvalidHeadError, leaving the
   * response untouched, when a header cannot be sent. `parsed`: `headers` is a flat list the
   * llhttp parser produced (plus values the proxy made), so it is not checked again.
   */
  writeHead(status: number, reason: string | undefined, headers: HeaderInput, parsed = false): void {
    if (this.headersSent) throw new Error('response headers already sent');
    const info = newHeadInfo();
    let head = statusLine(status, reason) + headerLines(headers, info, parsed);
    if (!info.hasDate) head += `date: ${dates.at(this.channel.now())}\r\n`;
    const noBody = bodyless(status, this.req.method === 'HEAD');
    let keepAlive = this.keepAlive;
    let chunked = false;
    if (!noBody && info.contentLength === undefined) {
      if (this.req.httpVersion === '1.1') chunked = true;
      else keepAlive = false;
    }
    if (chunked) head += 'transfer-encoding: chunked\r\n';
    if (!keepAlive) head += 'connection: close\r\n';
    else if (this.req.httpVersion === '1.0') head += 'connection: keep-alive\r\n';
    this.pendingHead = head + '\r\n';
    this.statusCode = status;
    this.headersSent = true;
    this.keepAlive = keepAlive;
    this.chunked = chunked;
    this.noBody = noBody;
  }

  /** Body bytes; false when the client is behind (wait for `onDrain`). */
  write(chunk: Buffer): boolean {
    if (this.finished) return true;
    const head = this.takeHead();
    if (this.noBody || chunk.length === 0) return head === undefined ? true : this.channel.send(head, []);
    return this.channel.send(head, this.chunked ? chunkFrames(chunk) : [chunk]);
  }

  /** Completes the response (with a last piece of body). */
  end(body?: Buffer | string): void {
    if (this.finished) return;
    if (!this.headersSent) this.writeHead(this.statusCode, undefined, body === undefined || body.length === 0 ? { 'content-length': '0' } : {});
    const head = this.takeHead();
    const data = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    const frames: Buffer[] = [];
    if (!this.noBody && data && data.length > 0) {
      if (this.chunked) frames.push(...chunkFrames(data));
      else frames.push(data);
    }
    if (this.chunked && !this.noBody) frames.push(lastChunk());
    this.finished = true;
    this.channel.send(head, frames);
    this.channel.responseDone(this);
  }

  /** Waits for the client to catch up. */
  onDrain(fn: () => void): void {
    this.channel.onDrain(fn);
  }

  /** Cuts the connection (the response cannot complete). */
  destroy(): void {
    this.channel.reset();
  }

  private takeHead(): string | undefined {
    const head = this.pendingHead;
    this.pendingHead = undefined;
    return head;
  }
}
