/**
 * HTTP/1.1 wire format of the proxy's own codec: request and response heads as latin1 strings,
 * header name/value checks (what node:http refuses to send), chunked framing, and the `date`
 * value (one string per second of the injected clock). Pure functions over strings and buffers.
 */
import { STATUS_CODES } from 'node:http';

/** A header name a message may carry (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Bytes a header value may not contain (node:http refuses the same). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Bytes a request target may not contain (controls, space, DEL, non-latin1). */
const INVALID_TARGET = /[^\x21-\x7e\x80-\xff]/;

/** A head that cannot be sent: a bad header name or value, or a bad request target. */
export class InvalidHeadError extends Error {
  readonly code = 'HP_INVALID_HEAD';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHeadError';
  }
}

export type HeaderInput = Readonly<Record<string, string | readonly string[]>> | readonly string[];

/** What a head's serialiser learnt about the framing headers it wrote. */
export interface HeadInfo {
  /** The value of `content-length`, if the headers carry one. */
  contentLength: string | undefined;
  /** The headers carry `date`. */
  hasDate: boolean;
  /** The headers carry `host`. */
  hasHost: boolean;
}

function line(name: string, value: string): string {
  if (!TOKEN.test(name)) throw new InvalidHeadError(`invalid header name ${JSON.stringify(name)}`);
  if (INVALID_VALUE.test(value)) throw new InvalidHeadError(`invalid value for header ${JSON.stringify(name)}`);
  return `${name}: ${value}\r\n`;
}

/** Notes the framing headers among `name`s (compared by length first: most names are not). */
function note(info: HeadInfo, name: string, value: string): void {
  const n = name.length;
  if (n === 14 && name.toLowerCase() === 'content-length') info.contentLength = value;
  else if (n === 4) {
    const lower = name.toLowerCase();
    if (lower === 'date') info.hasDate = true;
    else if (lower === 'host') info.hasHost = true;
  }
}

/**
 * Header lines for `headers` (a record, repeated names as arrays, or a flat name/value list).
 * `parsed`: headers the llhttp parser produced (names and values already valid) plus values the
 * proxy made itself, not checked again.
 */
export function headerLines(headers: HeaderInput, info: HeadInfo, parsed = false): string {
  let out = '';
  if (Array.isArray(headers)) {
    const flat = headers as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i] as string;
      const value = flat[i + 1] as string;
      note(info, name, value);
      out += parsed ? `${name}: ${value}\r\n` : line(name, value);
    }
    return out;
  }
  const record = headers as Readonly<Record<string, string | readonly string[]>>;
  for (const name in record) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      note(info, name, value);
      out += parsed ? `${name}: ${value}\r\n` : line(name, value);
    } else {
      for (const v of value) {
        note(info, name, v);
        out += parsed ? `${name}: ${v}\r\n` : line(name, v);
      }
    }
  }
  return out;
}

export function newHeadInfo(): HeadInfo {
  return { contentLength: undefined, hasDate: false, hasHost: false };
}

/** `METHOD target HTTP/1.1` after checking the target. */
export function requestLine(method: string, target: string): string {
  if (target === '' || INVALID_TARGET.test(target)) throw new InvalidHeadError(`invalid request target ${JSON.stringify(target)}`);
  return `${method} ${target} HTTP/1.1\r\n`;
}

/** `HTTP/1.1 status reason` (the standard reason when none is given). */
export function statusLine(status: number, reason: string | undefined): string {
  const text = reason !== undefined && reason !== '' && !INVALID_VALUE.test(reason) && !reason.includes('\r') ? reason : (STATUS_CODES[status] ?? 'unknown');
  return `HTTP/1.1 ${status} ${text}\r\n`;
}

/** Whether a response with this status (to this method) has no body by definition. */
export function bodyless(status: number, head: boolean): boolean {
  return head || status === 204 || status === 304 || (status >= 100 && status < 200);
}

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

/** The frames of one chunk of a chunked body (size line, data, CRLF). */
export function chunkFrames(data: Buffer): Buffer[] {
  return [Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, CRLF];
}

/** The terminating chunk of a chunked body (no trailers). */
export function lastChunk(): Buffer {
  return LAST_CHUNK;
}

/** Largest batch copied into one buffer so it goes out in one plain write (larger ones use writev). */
const MAX_JOINED_BYTES = 32 * 1024;

/**
 * A latin1 head and body frames as one Buffer when small (one write, no writev bookkeeping),
 * otherwise undefined.
 */
export function joined(head: string | undefined, frames: readonly Buffer[]): Buffer | undefined {
  let total = head === undefined ? 0 : head.length;
  for (const f of frames) total += f.length;
  if (total > MAX_JOINED_BYTES) return undefined;
  const out = Buffer.allocUnsafe(total);
  let at = head === undefined ? 0 : out.write(head, 0, 'latin1');
  for (const f of frames) at += f.copy(out, at);
  return out;
}

/** `date` header values, made at most once per second of the clock they are read with. */
export class DateHeader {
  private second = -1;
  private value = '';

  at(nowMs: number): string {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.value = new Date(second * 1000).toUTCString();
    }
    return this.value;
  }
}
