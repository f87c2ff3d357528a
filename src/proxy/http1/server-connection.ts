/**
 * ServerConnection: one downstream socket of the proxy's HTTP/1.1 server. Feeds its bytes to a
 * strict llhttp request parser, answers requests strictly in order (a pipelined request waits,
 * and the socket pauses, until the one before it is answered), sends `100 Continue` (or 417 for
 * any other expectation), turns parse errors into node:http's 400/431/413 and closes, and runs
 * the headers and idle keep-alive timeouts on the injected clock. Owns the socket and the parser;
 * hands each request and response to the server's handler.
 */
import type net from 'node:net';
import type { Clock } from '../../clock';
import type { Deadline, Deadlines } from '../deadlines';
import { DownstreamRequest, DownstreamResponse, hasRequestBody, requestHeaders, type DownstreamChannel } from './downstream';
import { closeParser, consumeSocket, methodName, newParser, type NativeParser, type ParseError } from './llhttp';
import { writeBatch } from './socket-write';

export type RequestHandler = (req: DownstreamRequest, res: DownstreamResponse) => void;

export interface ServerConnectionOptions {
  readonly handler: RequestHandler;
  readonly clock: Clock;
  readonly deadlines: Deadlines;
  /** Idle time after which a kept-alive connection is closed. */
  readonly keepAliveTimeoutMs: number;
  /** Time a request head may take to arrive (node:http's `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** A response is complete (for the status counters). */
  readonly onResponse: (status: number) => void;
  /** The server is stopping: answer what is in flight with `connection: close`. */
  readonly closing: () => boolean;
  /**
   * Time a request body may go without a byte (Envoy's `stream_idle_timeout` for a stream still
   * receiving): then 408, or a reset once the response started.
   */
  readonly bodyIdleTimeoutMs: number;
  /** Something threw while handling this connection's traffic (the connection is closed). */
  readonly onError?: (err: unknown) => void;
}

type Queued = { readonly req: DownstreamRequest; readonly res: DownstreamResponse; readonly expect: 'none' | 'continue' | 'fail' } | { readonly bad: number };

/** Why reading from the socket is paused (bits). */
const HOLD_BODY = 1;
const HOLD_QUEUE = 2;
/** No more bytes are wanted (only with a consuming parser, which would otherwise keep reading). */
const HOLD_STOPPED = 4;

function errorStatus(err: ParseError): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  return 400;
}

export class ServerConnection implements DownstreamChannel {
  private readonly parser: NativeParser;
  /** The request whose bytes are being parsed. */
  private parsing: DownstreamRequest | undefined;
  /** The request being answered. */
  private active: { req: DownstreamRequest; res: DownstreamResponse } | undefined;
  private readonly queue: Queued[] = [];
  private holds = 0;
  private timer: Deadline | undefined;
  /** The headers timeout runs: bytes of a head that has not completed yet arrived. */
  private awaitingHead = false;
  /** The parser reads the socket itself (consume): this switches its reading on and off. */
  private readonly reading: ((on: boolean) => void) | undefined;
  private upgradeSeen = false;
  /** No more requests are read (parse error, upgrade, missing host, close decided). */
  private stopped = false;
  /** A response decided the connection ends after it: nothing queued or still to come is served. */
  private ending = false;
  private closed = false;
  private readonly remoteAddress: string | undefined;
  private readonly localPort: number | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly o: ServerConnectionOptions,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.localPort = socket.localPort;
    this.parser = newParser('request', {
      onHeadersComplete: (major, minor, headers, method, url, _status, _message, upgrade, keepAlive) => {
        this.onHead(major, minor, headers ?? [], method, url ?? '', upgrade, keepAlive);
        return 0;
      },
      onBody: (chunk) => this.onBody(chunk),
      onMessageComplete: () => this.onMessageComplete(),
      // Only when the parser reads the socket itself: the headers timeout starts at a head's first byte.
      onMessageBegin: () => this.onMessageBegin(),
      onExecute: (result) => this.onExecuted(result, -1),
      onCallbackError: (err) => {
        this.o.onError?.(err);
        this.socket.destroy();
      },
    });
    this.reading = consumeSocket(this.parser, socket);
    if (!this.reading) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => undefined); // `close` follows
    socket.on('close', () => this.onClose());
    this.armIdle();
  }

  /** Closes the connection now (server stop). */
  destroy(): void {
    this.socket.destroy();
  }

  // DownstreamChannel

  send(head: string | undefined, frames: readonly Buffer[]): boolean {
    return this.closed ? true : writeBatch(this.socket, head, frames);
  }

  responseDone(res: DownstreamResponse): void {
    const active = this.active;
    if (!active || active.res !== res) return;
    this.active = undefined;
    this.o.onResponse(res.statusCode);
    if (!active.req.complete) active.req.discard();
    // A body consumer that paused and went away must not keep the connection from reading.
    this.setHold(HOLD_BODY, false);
    if (!res.keepAlive || this.o.closing()) {
      this.stopped = true;
      this.ending = true;
      this.queue.length = 0;
      this.finishAndClose(undefined);
      return;
    }
    if (this.queue.length > 0) this.serveNext();
    else if (!this.parsing) this.armIdle();
  }

  reset(): void {
    this.socket.destroy();
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  holdBody(hold: boolean): void {
    this.setHold(HOLD_BODY, hold);
  }

  now(): number {
    return this.o.clock.now();
  }

  // parsing

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    // Bytes of a new head: the headers timeout runs until it completes (onHead cancels it).
    if (!this.parsing && !this.awaitingHead) {
      this.awaitingHead = true;
      this.armTimer(this.o.headersTimeoutMs, this.onHeadersTimeout);
    }
    this.onExecuted(this.parser.execute(chunk), chunk.length);
  }

  private onMessageBegin(): void {
    if (this.reading && !this.awaitingHead) {
      this.awaitingHead = true;
      this.armTimer(this.o.headersTimeoutMs, this.onHeadersTimeout);
    }
  }

  /** What one read parsed; `length`: the bytes it had (-1: unknown, the parser read them itself). */
  /**
   * A read was parsed. Requests are handed on only now: llhttp rejects some heads (a bad
   * Transfer-Encoding) right after reporting them, and such a request must get its 400, never
   * reach an upstream.
   */
  private onExecuted(result: number | ParseError, length: number): void {
    if (typeof result !== 'number') this.onParseError(result);
    // The parser stopped after an upgrade (or CONNECT) request: nothing after it is HTTP.
    else if (length >= 0 && result < length) this.stopped = true;
    if (this.stopped && this.reading) this.setHold(HOLD_STOPPED, true);
    if (!this.active && this.queue.length > 0) this.serveNext();
  }

  private onBody(chunk: Buffer): void {
    this.armTimer(this.o.bodyIdleTimeoutMs, this.onBodyTimeout);
    this.parsing?.push(chunk);
  }

  private onHead(major: number, minor: number, flat: string[], method: number | undefined, url: string, upgrade: boolean, keepAlive: boolean): void {
    this.cancelTimer();
    this.awaitingHead = false;
    if (this.ending) return;
    const headers = requestHeaders(flat);
    const httpVersion = `${major}.${minor}`;
    if (httpVersion === '1.1' && headers.host === undefined) {
      // RFC 9112 §3.2 (node:http and Envoy answer it the same way).
      this.stopped = true;
      this.queue.push({ bad: 400 });
      return;
    }
    const req = new DownstreamRequest(methodName(method), url, headers, httpVersion, this.remoteAddress, this.localPort, this);
    const res = new DownstreamResponse(this, req, keepAlive && !upgrade);
    let expect: 'none' | 'continue' | 'fail' = 'none';
    const expectation = headers['expect'];
    if (expectation !== undefined) expect = httpVersion === '1.1' && String(expectation).toLowerCase() === '100-continue' ? 'continue' : 'fail';
    this.parsing = req;
    // The proxy performs no upgrade: the request is answered, then nothing more is read.
    this.upgradeSeen = upgrade;
    this.queue.push({ req, res, expect });
    if (this.active) this.setHold(HOLD_QUEUE, true);
    // Until the message completes, its body may not stall (no timer for the usual bodiless request).
    if (hasRequestBody(headers)) this.armTimer(this.o.bodyIdleTimeoutMs, this.onBodyTimeout);
  }

  private onMessageComplete(): void {
    this.cancelTimer();
    const req = this.parsing;
    this.parsing = undefined;
    if (this.upgradeSeen) this.stopped = true;
    req?.finish();
    if (!this.active && this.queue.length === 0 && !this.stopped) this.armIdle();
  }

  private onParseError(err: ParseError): void {
    this.stopped = true;
    const parsing = this.parsing;
    this.parsing = undefined;
    if (parsing && this.active?.req === parsing) {
      // The body of the request being answered is broken: nothing sensible can follow.
      this.socket.destroy();
      return;
    }
    const last = this.queue[this.queue.length - 1];
    if (parsing && last && 'req' in last && last.req === parsing) this.queue.pop(); // the error replaces its head
    this.queue.push({ bad: errorStatus(err) });
  }

  private serveNext(): void {
    while (!this.active && !this.closed && !this.ending) {
      const next = this.queue.shift();
      if (!next) break;
      if ('bad' in next) {
        this.sendBad(next.bad);
        return;
      }
      this.active = { req: next.req, res: next.res };
      if (next.expect === 'continue') this.send('HTTP/1.1 100 Continue\r\n\r\n', []);
      if (next.expect === 'fail') {
        next.req.discard();
        next.res.keepAlive = false;
        next.res.writeHead(417, undefined, { 'content-length': '0' });
        next.res.end();
      } else this.o.handler(next.req, next.res);
    }
    if (this.queue.length === 0) this.setHold(HOLD_QUEUE, false);
  }

  /** Answers a request that could not be parsed, as node:http does, and closes. */
  private sendBad(status: number): void {
    this.stopped = true;
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 413 ? 'Payload Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    this.finishAndClose(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }

  /**
   * The client closed its side. As node:http (without `httpAllowHalfOpen`) and Envoy do, that
   * ends the connection: a response still in progress is abandoned.
   */
  /**
   * Sends the last bytes and closes once they are flushed, as node:http's destroySoon does:
   * nothing more is read, so the connection cannot linger half-open waiting for the client.
   */
  private finishAndClose(last: string | undefined): void {
    const socket = this.socket;
    if (last === undefined) socket.end();
    else socket.end(last, 'latin1');
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  }

  private onEnd(): void {
    this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    this.cancelTimer();
    const active = this.active;
    this.active = undefined;
    this.queue.length = 0;
    this.parsing = undefined;
    if (active && !active.res.finished) active.res.onAbandon?.();
    closeParser(this.parser, this.reading !== undefined);
  }

  // timers and flow

  private armIdle(): void {
    this.awaitingHead = false;
    this.armTimer(this.o.keepAliveTimeoutMs, this.onIdleTimeout);
  }

  private readonly onIdleTimeout = (): void => {
    this.socket.destroy();
  };

  /** A request body went quiet: 408 if nothing was answered yet, else a reset. */
  private readonly onBodyTimeout = (): void => {
    const active = this.active;
    if (active && active.req === this.parsing && !active.res.headersSent) this.sendBad(408);
    else this.socket.destroy();
  };

  private readonly onHeadersTimeout = (): void => {
    if (this.active) this.socket.destroy();
    else this.sendBad(408);
  };

  private armTimer(ms: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = ms > 0 ? this.o.deadlines.schedule(ms, fn) : undefined;
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private setHold(bit: number, on: boolean): void {
    const before = this.holds;
    this.holds = on ? before | bit : before & ~bit;
    if (before === 0 && this.holds !== 0) {
      if (this.reading) this.reading(false);
      else this.socket.pause();
    } else if (before !== 0 && this.holds === 0) {
      if (this.reading) this.reading(true);
      else this.socket.resume();
    }
  }
}
