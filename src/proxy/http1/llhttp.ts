/**
 * llhttp: typed access to the HTTP/1.1 parser node:http itself runs (llhttp, compiled into Node
 * and exposed by the `_http_common` module), so the proxy's own HTTP/1.1 codec parses exactly as
 * strictly as node:http does. Owns the binding check (a clear error if this Node build lacks it)
 * and the header-batch bookkeeping every parser user needs. Never touches sockets.
 */
import { createRequire } from 'node:module';

/** A parse failure as the binding reports it (`HPE_*` code). */
export interface ParseError extends Error {
  readonly code: string;
  readonly bytesParsed?: number;
}

/** Arguments of the binding's headers-complete callback, in its order. */
export type OnHeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number | undefined,
  statusMessage: string | undefined,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number | void;

/** The native parser object (`HTTPParser` of node's http_parser binding). */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed, or the parse error. */
  execute(data: Buffer): number | ParseError;
  /** Signals end of input (a close-delimited body completes here). */
  finish(): number | ParseError | undefined;
  close(): void;
  /** Reads straight from a stream handle in C++ (results through the execute callback). */
  consume(handle: object): void;
  unconsume(): void;
  [callback: number]: unknown;
}

interface ParserBinding {
  new (): NativeParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

interface HttpCommon {
  readonly HTTPParser?: ParserBinding;
  readonly methods?: readonly string[];
}

function load(): { Parser: ParserBinding; methods: readonly string[] } {
  const common = createRequire(__filename)('_http_common') as HttpCommon;
  const Parser = common.HTTPParser;
  const methods = common.methods;
  if (typeof Parser !== 'function' || !Array.isArray(methods) || typeof Parser.kOnHeadersComplete !== 'number') {
    throw new Error(`the native proxy needs node's built-in HTTP parser (node:_http_common HTTPParser); Node ${process.version} does not expose it`);
  }
  return { Parser, methods };
}

/** Loaded on first use: a process that never proxies never touches the binding. */
let binding: ReturnType<typeof load> | undefined;

function parserBinding(): ReturnType<typeof load> {
  return (binding ??= load());
}

/** Throws a clear error now if this Node build lacks the parser (servers call it before listening). */
export function requireParser(): void {
  parserBinding();
}

/** The method name of the index the parser reports (GET when unknown). */
export function methodName(index: number | undefined): string {
  return parserBinding().methods[index ?? -1] ?? 'GET';
}

/** Node's default maximum size of a request or response head (`--max-http-header-size`). */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface ParserCallbacks {
  readonly onMessageBegin?: () => void;
  /** Headers are complete; return 1 to tell a response parser that no body follows (HEAD). */
  readonly onHeadersComplete: OnHeadersComplete;
  readonly onBody: (chunk: Buffer) => void;
  readonly onMessageComplete: () => void;
  /** What one read parsed (bytes, or the parse error); with `consume()` the binding calls it. */
  readonly onExecute?: (result: number | ParseError) => void;
  /**
   * A callback threw. The binding would turn it into a process-wide uncaught exception; the
   * owner closes its connection instead.
   */
  readonly onCallbackError: (err: unknown) => void;
}

/**
 * A strict (no lenient flags) llhttp parser in request or response mode. Heads with many
 * headers arrive in batches (`kOnHeaders`); they are joined here so the callbacks always see
 * the whole list and URL. Batches after a head completed are trailers: dropped (Envoy forwards
 * no request trailers by default and the proxy adds none), and never carried into the next
 * message. Every callback is guarded: an exception goes to `onCallbackError`.
 */
export function newParser(kind: 'request' | 'response', cb: ParserCallbacks): NativeParser {
  const P = parserBinding().Parser;
  const parser = new P();
  parser.initialize(kind === 'request' ? P.REQUEST : P.RESPONSE, {}, MAX_HEADER_BYTES, P.kLenientNone);
  let pendingHeaders: string[] | undefined;
  let pendingUrl = '';
  /** Between a head's end and its message's end: header batches are trailers. */
  let inBody = false;
  const fail = cb.onCallbackError;
  // Unset callbacks cost nothing: the binding calls only functions (each call crosses C++ -> JS).
  const begin = cb.onMessageBegin;
  if (begin) {
    parser[P.kOnMessageBegin] = (): void => {
      try {
        begin();
      } catch (err) {
        fail(err);
      }
    };
  }
  parser[P.kOnHeaders] = (headers: string[], url: string): void => {
    if (inBody) return;
    (pendingHeaders ??= []).push(...headers);
    pendingUrl += url;
  };
  parser[P.kOnHeadersComplete] = ((major, minor, headers, method, url, status, message, upgrade, keepAlive) => {
    if (pendingHeaders) {
      if (headers) pendingHeaders.push(...headers);
      headers = pendingHeaders;
      url = pendingUrl + (url ?? '');
      pendingHeaders = undefined;
      pendingUrl = '';
    }
    inBody = true;
    try {
      return cb.onHeadersComplete(major, minor, headers ?? [], method, url, status, message, upgrade, keepAlive);
    } catch (err) {
      fail(err);
      return 0;
    }
  }) satisfies OnHeadersComplete;
  parser[P.kOnBody] = (chunk: Buffer): void => {
    try {
      cb.onBody(chunk);
    } catch (err) {
      fail(err);
    }
  };
  parser[P.kOnMessageComplete] = (): void => {
    inBody = false;
    pendingHeaders = undefined;
    pendingUrl = '';
    try {
      cb.onMessageComplete();
    } catch (err) {
      fail(err);
    }
  };
  const executed = cb.onExecute;
  if (executed) {
    parser[P.kOnExecute] = (result: number | ParseError): void => {
      try {
        executed(result);
      } catch (err) {
        fail(err);
      }
    };
  }
  return parser;
}

/** A socket's native stream handle, when it has one the parser can read from directly. */
interface StreamHandle {
  readonly isStreamBase?: boolean;
  readStart(): number;
  readStop(): number;
}

/**
 * Makes `parser` read `socket` directly (node:http's own fast path: no JS Buffer and no
 * Readable per read). Returns the handle's read switch, or undefined when the socket has no
 * native stream handle (then the caller feeds `execute` from 'data' events).
 */
export function consumeSocket(parser: NativeParser, socket: object): ((on: boolean) => void) | undefined {
  const handle = (socket as { _handle?: StreamHandle | null })._handle;
  if (!handle || handle.isStreamBase !== true || typeof handle.readStop !== 'function') return undefined;
  parser.consume(handle);
  return (on) => {
    if (on) handle.readStart();
    else handle.readStop();
  };
}

/**
 * Frees a parser's native memory once the current tick is over (never from inside its
 * callbacks); `consumed`: it was reading a socket (consumeSocket), which it lets go of first.
 */
export function closeParser(parser: NativeParser, consumed: boolean): void {
  if (consumed) parser.unconsume();
  setImmediate(() => parser.close());
}
