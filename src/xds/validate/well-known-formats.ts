/**
 * The string formats PGV knows by name (hostname, email, ip, uri, uuid, HTTP header name/value).
 * Receives a string; answers with an error text or undefined. Mirrors PGV's Go validators where
 * they are simple and documents the best-effort ones (email, uri) in docs/validation-rules.md.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** RFC 1034 host name as PGV checks it: <= 253 chars, labels 1-63 of [a-z0-9-], no edge hyphen. */
export function hostnameError(host: string): string | undefined {
  const s = (host.endsWith('.') ? host.slice(0, -1) : host).toLowerCase();
  if (host.length > 253) return 'hostname cannot exceed 253 characters';
  for (const part of s.split('.')) {
    if (part.length === 0 || part.length > 63) return 'hostname part must be non-empty and cannot exceed 63 characters';
    if (part.startsWith('-') || part.endsWith('-')) return 'hostname parts cannot begin or end with hyphens';
    if (!/^[a-z0-9-]+$/.test(part)) return 'hostname parts can only contain alphanumeric characters or hyphens';
  }
  return undefined;
}

const DOT_ATOM_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const QUOTED_LOCAL = /^"([^"\\\r\n]|\\.)*"$/;

/** Best effort RFC 5322 addr-spec (optionally inside `Name <addr>`), domain checked as a hostname. */
export function emailError(value: string): string | undefined {
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
  const addr = angle ? (angle[1] as string) : value;
  if (addr.length > 254) return 'email address cannot exceed 254 characters';
  const at = addr.lastIndexOf('@');
  if (at <= 0) return 'value must be a valid email address';
  const local = addr.slice(0, at);
  if (local.length > 64) return 'email address local part cannot exceed 64 characters';
  if (!DOT_ATOM_LOCAL.test(local) && !QUOTED_LOCAL.test(local)) return 'value must be a valid email address';
  const hostErr = hostnameError(addr.slice(at + 1));
  return hostErr === undefined ? undefined : `email address domain is invalid: ${hostErr}`;
}

export function ipError(value: string, version: 0 | 4 | 6): string | undefined {
  const v4 = isIPv4(value);
  // node:net accepts IPv6 zone ids ("fe80::1%eth0"); Go's net.ParseIP, which PGV uses, does not.
  const v6 = !value.includes('%') && isIPv6(value);
  if (version === 4) return v4 ? undefined : 'value must be a valid IPv4 address';
  if (version === 6) return v6 ? undefined : 'value must be a valid IPv6 address';
  return v4 || v6 ? undefined : 'value must be a valid IP address';
}

export function addressError(value: string): string | undefined {
  if (ipError(value, 0) === undefined) return undefined;
  return hostnameError(value) === undefined ? undefined : 'value must be a valid hostname or IP address';
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// eslint-disable-next-line no-control-regex -- control bytes are exactly what a URI may not contain
const CONTROL = /[\u0000-\u001f\u007f]/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Best effort version of Go's url.Parse acceptance: no control bytes, well-formed %XX escapes. */
export function uriRefError(value: string): string | undefined {
  if (CONTROL.test(value)) return 'value must be a valid URI reference: contains a control character';
  if (BAD_ESCAPE.test(value)) return 'value must be a valid URI reference: invalid percent escape';
  if (!SCHEME.test(value)) {
    const firstSegment = value.split(/[/?#]/)[0] ?? '';
    if (firstSegment.includes(':')) return 'value must be a valid URI reference: first path segment cannot contain a colon';
  }
  return undefined;
}

export function uriError(value: string): string | undefined {
  const refErr = uriRefError(value);
  if (refErr !== undefined) return refErr.replace('URI reference', 'URI');
  return SCHEME.test(value) ? undefined : 'value must be an absolute URI';
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function uuidError(value: string): string | undefined {
  return UUID.test(value) ? undefined : 'value must be a valid UUID';
}

// RFC 7230 token characters, with an optional leading ':' for HTTP/2 pseudo headers. PGV's own
// class spells `+-.` as a range, which also admits ','; kept so we accept exactly what Envoy does.
const HEADER_NAME_STRICT = /^:?[0-9A-Za-z!#$%&'*+,\-.^_`|~]+$/;
// eslint-disable-next-line no-control-regex -- RFC 7230 field-value: no CTLs except HTAB
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex -- loose mode only refuses NUL, LF and CR
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

/** KnownRegex 1 = HTTP_HEADER_NAME, 2 = HTTP_HEADER_VALUE; `strict` defaults to true in PGV. */
export function headerRegexError(kind: 'HTTP_HEADER_NAME' | 'HTTP_HEADER_VALUE', strict: boolean, value: string): string | undefined {
  const re = !strict ? HEADER_LOOSE : kind === 'HTTP_HEADER_NAME' ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT;
  if (re.test(value)) return undefined;
  const what = kind === 'HTTP_HEADER_NAME' ? 'header name' : 'header value';
  return strict ? `value must be a valid HTTP ${what} (RFC 7230)` : `value must be a valid HTTP ${what}: no NUL, CR or LF`;
}
