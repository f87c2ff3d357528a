/**
 * ClientConnection: one kept-alive HTTP/1.1 connection from the proxy to an upstream host, one
 * request at a time. Writes the request head (checked: a head that cannot be sent fails before
 * any byte goes out) and its body (whole, or streamed from the downstream request with
 * back-pressure both ways, chunked when its length is unknown), parses the response with a
 * strict llhttp response parser and hands it to the request's UpstreamHandler. Decides whether
 * the connection can carry another request (keep-alive, whole request sent, the upstream's
 * `keep-alive: timeout=N` hint); its owner (HostConnections) keeps the idle ones.
 */
import type net from 'node:net';
import type { Deadline, Deadlines } from '../deadlines';
import type { BodySink } from './downstream';
import { closeParser, consumeSocket, newParser, type NativeParser, type ParseError } from './llhttp';
import { writeBatch } from './socket-write';
import { chunkFrames, headerLines, lastChunk, newHeadInfo, requestLine } from './wire';

/** Receives one request's response (callbacks shaped like undici's dispatch handlers). */
export interface UpstreamHandler {
  /** A connection carries the request now; `abort` cuts it (then `onError` follows). */
  onConnect(abort: (err?: Error) => void): void;
  /**
   * Final response head (1xx are skipped); return false to stop reading from the socket until
   * `resume` (bytes already read are still delivered).
   */
  onHeaders(status: number, headers: string[], resume: () => void, statusText: string): boolean;
  /** Body bytes; return false to stop reading until `resume` (as for onHeaders). */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(err: Error): void;
}

/** A request body streamed from downstream. */
export interface BodySource {
  pipe(sink: BodySink): void;
  /** Pauses (false) or resumes (true) the source. */
  flow(on: boolean): void;
}

export interface UpstreamRequest {
  readonly method: string;
  /** Request target (path and query). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer | BodySource | null;
  /**
   * The headers are the client's parsed ones plus values the proxy made (no header modifier,
   * no host rewrite): they are not checked again. The target always is.
   */
  readonly parsedHeaders?: boolean;
}

/** A request with its head already encoded (and checked). */
export interface PreparedRequest {
  readonly method: string;
  readonly head: string;
  /** The body is streamed with chunked framing (its length is unknown). */
  readonly chunked: boolean;
  readonly body: Buffer | BodySource | null;
}

/**
 * Encodes the head of `req` for `hostHeader` (used when the request has no `host`). Throws
 * InvalidHeadError for a target, header name or value that cannot be sent.
 */
export function prepareRequest(req: UpstreamRequest, hostHeader: string): PreparedRequest {
  const info = newHeadInfo();
  let head = requestLine(req.method, req.path) + headerLines(req.headers, info, req.parsedHeaders === true);
  if (!info.hasHost) head += `host: ${hostHeader}\r\n`;
  const chunked = req.body !== null && !Buffer.isBuffer(req.body) && info.contentLength === undefined;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  else if (Buffer.isBuffer(req.body) && info.contentLength === undefined) head += `content-length: ${req.body.length}\r\n`;
  return { method: req.method, head: head + '\r\n', chunked, body: req.body };
}

/** Idle time of a kept-alive connection when the upstream gives no `keep-alive: timeout` hint. */
export const DEFAULT_IDLE_MS = 60_000;
/** Upper bound on an upstream's keep-alive hint. */
const MAX_IDLE_MS = 600_000;
/** Margin under the upstream's hint, so the proxy closes first. */
const HINT_MARGIN_MS = 1_000;

/** Failures on a connection that had already carried a response (the upstream closed a kept-alive one). */
const reusedFailures = new WeakSet<Error>();

/** Whether an attempt failed on a kept-alive connection before any byte of its response arrived. */
export function failedOnReusedConnection(err: Error): boolean {
  return reusedFailures.has(err);
}

/** The upstream broke the exchange (reset, closed early, or sent what is not HTTP). */
export class UpstreamResetError extends Error {
  readonly code = 'HP_UPSTREAM_RESET';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamResetError';
  }
}

export interface ClientConnectionOwner {
  /** The connection can take another request. */
  release(c: ClientConnection): void;
  /** The connection is gone. */
  closed(c: ClientConnection): void;
}

function keepAliveHintMs(flat: readonly string[]): number | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const m = /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(flat[i + 1] as string);
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

export class ClientConnection {
  private readonly parser: NativeParser;
  private handler: UpstreamHandler | undefined;
  private head = false;
  /** A 1xx interim response is being parsed: its end is not the response's. */
  private interim = false;
  /** Bytes of the current response have arrived. */
  private responding = false;
  /** The whole request (body included) went out. */
  private requestSent = false;
  private keepAlive = false;
  private idleMs = DEFAULT_IDLE_MS;
  private served = 0;
  private idleTimer: Deadline | undefined;
  private closed = false;
  /** The response completed and the connection is reusable: released after the current read. */
  private releasing = false;
  private error: Error | undefined;
  /** The parser reads the socket itself (consume): this switches its reading on and off. */
  private readonly reading: ((on: boolean) => void) | undefined;
  private readonly resume = (): void => this.flow(true);

  constructor(
    private readonly socket: net.Socket,
    private readonly owner: ClientConnectionOwner,
    private readonly deadlines: Deadlines,
  ) {
    this.parser = newParser('response', {
      onHeadersComplete: (_major, _minor, headers, _method, _url, status, message, upgrade, keepAlive) =>
        this.onHead(status ?? 0, headers ?? [], message ?? '', upgrade, keepAlive),
      onBody: (chunk) => {
        if (this.handler && !this.handler.onData(chunk)) this.flow(false);
      },
      onMessageComplete: () => this.onMessageComplete(),
      onMessageBegin: () => this.onMessageBegin(),
      onExecute: (result) => this.onExecuted(result),
      // A throw from the request's handler: cut the connection (the handler hears it as an error).
      onCallbackError: (err) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
        this.socket.destroy();
      },
    });
    this.reading = consumeSocket(this.parser, socket);
    if (!this.reading) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: Error) => {
      this.error ??= err;
    });
    socket.on('close', () => this.onClose());
  }

  /** Can take a request now: idle, and its socket neither closed nor being closed. */
  get usable(): boolean {
    return this.handler === undefined && !this.closed && !this.socket.destroyed;
  }

  /**
   * Sends `req`. Returns false (after `handler.onError`) when the handler aborted before any
   * byte went out (the connection is still free).
   */
  send(req: PreparedRequest, handler: UpstreamHandler): boolean {
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    const { head, chunked } = req;
    let abortedEarly: Error | undefined;
    let started = false;
    const abort = (err?: Error): void => {
      const e = err ?? new Error('aborted');
      if (!started) {
        abortedEarly = e;
        return;
      }
      if (this.handler !== handler) return;
      this.handler = undefined;
      this.socket.destroy();
      handler.onError(e);
    };
    handler.onConnect(abort);
    if (abortedEarly) {
      handler.onError(abortedEarly);
      return false;
    }
    started = true;
    this.handler = handler;
    this.head = req.method === 'HEAD';
    this.responding = false;
    this.interim = false;
    this.requestSent = false;
    this.keepAlive = false;
    const socket = this.socket;
    const body = req.body;
    if (body === null || Buffer.isBuffer(body)) {
      writeBatch(socket, head, body && body.length > 0 ? [body] : []);
      this.requestSent = true;
      return true;
    }
    socket.write(head, 'latin1');
    const onDrain = (): void => body.flow(true);
    body.pipe({
      data: (chunk) => {
        if (this.handler !== handler || chunk.length === 0) return true;
        const ok = writeBatch(socket, undefined, chunked ? chunkFrames(chunk) : [chunk]);
        if (!ok) socket.once('drain', onDrain);
        return ok;
      },
      end: () => {
        if (this.handler !== handler) return;
        if (chunked) socket.write(lastChunk());
        this.requestSent = true;
      },
    });
    return true;
  }

  /** Waits as an idle kept-alive connection; closes itself when the idle time is over. */
  idle(): void {
    this.idleTimer?.cancel();
    this.idleTimer = this.deadlines.schedule(this.idleMs, () => this.socket.destroy());
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.onExecuted(this.parser.execute(chunk));
  }

  /** The first byte of a response: it belongs to the request in flight, or nobody asked for it. */
  private onMessageBegin(): void {
    if (this.handler) this.responding = true;
    // Bytes nobody asked for: the connection cannot be trusted any more.
    else this.socket.destroy();
  }

  /** A read was parsed: only now may a connection whose response completed take the next request. */
  private onExecuted(result: number | ParseError): void {
    if (typeof result !== 'number') this.fail(new UpstreamResetError(`invalid upstream response: ${result.code}`));
    if (!this.releasing) return;
    this.releasing = false;
    // Bytes after the response in the same read were nobody's (onMessageBegin closed it then).
    if (this.usable) this.owner.release(this);
    else this.socket.destroy();
  }

  private flow(on: boolean): void {
    if (this.reading) this.reading(on);
    else if (on) this.socket.resume();
    else this.socket.pause();
  }

  private onHead(status: number, flat: string[], message: string, upgrade: boolean, keepAlive: boolean): number {
    const handler = this.handler;
    if (!handler) return 0;
    if (status < 200) {
      if (status === 101 || upgrade) this.fail(new UpstreamResetError('unexpected protocol upgrade from the upstream'));
      else this.interim = true;
      return 0;
    }
    this.keepAlive = keepAlive && !upgrade;
    const hint = keepAliveHintMs(flat);
    if (hint !== undefined) this.idleMs = Math.min(hint - HINT_MARGIN_MS, MAX_IDLE_MS);
    if (!handler.onHeaders(status, flat, this.resume, message)) this.flow(false);
    return this.head ? 1 : 0;
  }

  private onMessageComplete(): void {
    const handler = this.handler;
    if (this.interim) {
      this.interim = false;
      return;
    }
    if (!handler) return;
    this.handler = undefined;
    this.served++;
    const reusable = this.keepAlive && this.requestSent && this.idleMs > 0 && !this.closed;
    this.flow(true);
    handler.onComplete();
    // Released once the rest of this read is parsed: a second response in it must never reach
    // the request the pool would hand this connection next.
    if (reusable && !this.closed) this.releasing = true;
    else this.socket.destroy();
  }

  private onEnd(): void {
    if (this.handler) {
      const result = this.parser.finish();
      if (result !== undefined && typeof result !== 'number') this.fail(new UpstreamResetError(`upstream closed mid-response: ${result.code}`));
    }
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const handler = this.handler;
    this.handler = undefined;
    this.socket.destroy();
    if (handler) handler.onError(err);
  }

  private onClose(): void {
    this.closed = true;
    this.idleTimer?.cancel();
    const handler = this.handler;
    this.handler = undefined;
    if (handler) {
      const err = new UpstreamResetError(this.error ? this.error.message : 'upstream connection closed');
      if (this.served > 0 && !this.responding) reusedFailures.add(err);
      handler.onError(err);
    }
    closeParser(this.parser, this.reading !== undefined);
    this.owner.closed(this);
  }
}
