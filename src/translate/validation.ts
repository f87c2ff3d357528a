/** Small syntax checks shared by the per-kind translators (hostnames, addresses, header names, regexes). */

import { isIp } from '../ir/addresses';

export { isIp, isIpv4, isIpv6 } from '../ir/addresses';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 subdomain (lower case, at most 253 characters). */
export function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => l.length <= 63 && LABEL.test(l));
}

/** Gateway API hostname: a subdomain, optionally starting with a `*.` wildcard label; never an IP. */
export function isGatewayHostname(s: string): boolean {
  if (isIp(s)) return false;
  return isDnsSubdomain(s.startsWith('*.') ? s.slice(2) : s);
}

/** HTTP header name (RFC 7230 token). */
export function isHeaderName(s: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(s);
}

/**
 * A regular expression Envoy (RE2) can compile: must compile in JavaScript and use none of the
 * constructs RE2 lacks (backreferences, lookaround). Returns the problem, or undefined.
 */
export function re2Problem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern)) return 'backreferences and lookaround are not supported by RE2';
  return undefined;
}

export function isPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}
