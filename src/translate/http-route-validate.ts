/**
 * HTTPRoute field rules (the CRD's limits and CEL validations, Gateway API v1): counts, path and
 * header syntax, filter combinations, backendRef ports and weights. Records every problem on the
 * Report; an HTTPRoute with any `Invalid` error is not attached (the API server would refuse it).
 */
import type { HTTPBackendRef, HTTPHeaderMatch, HTTPRoute, HTTPRouteFilter, HTTPRouteMatch, HTTPRouteRule } from '../model/gateway-api';
import type { Ctx } from './context';
import { isGatewayHostname, isHeaderName, isPort, re2Problem } from './validation';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
export const FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExtensionRef'];
const FILTER_FIELD: Readonly<Record<string, keyof HTTPRouteFilter>> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  CORS: 'cors',
  ExtensionRef: 'extensionRef',
};

type Err = (path: string, message: string) => void;

export function validateHttpRoute(route: HTTPRoute, ctx: Ctx): void {
  const err: Err = (path, message) => ctx.report.error(route, path, message);
  const { spec } = route;
  if ((spec.parentRefs?.length ?? 0) > 32) err('spec.parentRefs', 'at most 32 parentRefs');
  spec.parentRefs?.forEach((p, i) => {
    if (p.port !== undefined && !isPort(p.port)) err(`spec.parentRefs[${i}].port`, `port ${p.port} is not in 1-65535`);
  });
  if ((spec.hostnames?.length ?? 0) > 16) err('spec.hostnames', 'at most 16 hostnames');
  spec.hostnames?.forEach((h, i) => {
    if (!isGatewayHostname(h)) err(`spec.hostnames[${i}]`, `hostname "${h}" must be a DNS name, optionally starting with "*."; IP addresses are not allowed`);
  });
  const rules = spec.rules ?? [];
  if (rules.length > 16) err('spec.rules', 'at most 16 rules');
  const totalMatches = rules.reduce((n, r) => n + (r.matches?.length ?? 1), 0);
  if (totalMatches > 128) err('spec.rules', `at most 128 matches across all rules (found ${totalMatches})`);
  rules.forEach((r, i) => validateRule(r, `spec.rules[${i}]`, err, ctx, route));
}

function validateRule(rule: HTTPRouteRule, at: string, err: Err, ctx: Ctx, route: HTTPRoute): void {
  if ((rule.matches?.length ?? 0) > 64) err(`${at}.matches`, 'at most 64 matches');
  rule.matches?.forEach((m, j) => validateMatch(m, `${at}.matches[${j}]`, err, ctx, route));
  validateFilters(rule.filters ?? [], `${at}.filters`, err);
  validatePrefixRewrite(rule, at, err);
  const types = (rule.filters ?? []).map((f) => f.type);
  if (types.includes('RequestRedirect') && (rule.backendRefs?.length ?? 0) > 0) err(`${at}.backendRefs`, 'a rule with a RequestRedirect filter must not have backendRefs');
  if ((rule.backendRefs?.length ?? 0) > 16) err(`${at}.backendRefs`, 'at most 16 backendRefs');
  rule.backendRefs?.forEach((b, k) => validateBackendRef(b, `${at}.backendRefs[${k}]`, err));
}

function validateMatch(m: HTTPRouteMatch, at: string, err: Err, ctx: Ctx, route: HTTPRoute): void {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  if (!['Exact', 'PathPrefix', 'RegularExpression'].includes(type)) err(`${at}.path.type`, 'type must be Exact, PathPrefix or RegularExpression');
  else if (value.length > 1024) err(`${at}.path.value`, 'value must be at most 1024 characters');
  else if (type === 'RegularExpression') {
    const problem = re2Problem(value);
    if (problem) err(`${at}.path.value`, problem);
  } else {
    const problem = pathProblem(value);
    if (problem) err(`${at}.path.value`, problem);
  }
  validateNameValues(m.headers ?? [], `${at}.headers`, 4096, true, err, ctx, route);
  validateNameValues(m.queryParams ?? [], `${at}.queryParams`, 1024, false, err, ctx, route);
  if (m.method !== undefined && !METHODS.includes(m.method)) err(`${at}.method`, `method must be one of ${METHODS.join(', ')}`);
}

/** Gateway API rules for Exact and PathPrefix values. */
export function pathProblem(value: string): string | undefined {
  if (!value.startsWith('/')) return 'path must start with /';
  if (/\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#/.test(value) || /\/\.\.?$/.test(value)) return 'path must not contain "//", "/./", "/../", "%2f", "%2F" or "#", nor end in "/." or "/.."';
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(value)) return 'path contains characters that must be percent-encoded';
  return undefined;
}

function validateNameValues(list: readonly HTTPHeaderMatch[], at: string, maxValue: number, caseInsensitive: boolean, err: Err, ctx: Ctx, route: HTTPRoute): void {
  if (list.length > 16) err(at, 'at most 16 entries');
  const seen = new Set<string>();
  list.forEach((h, i) => {
    const type = h.type ?? 'Exact';
    if (!['Exact', 'RegularExpression'].includes(type)) err(`${at}[${i}].type`, 'type must be Exact or RegularExpression');
    if (!isHeaderName(h.name)) err(`${at}[${i}].name`, `"${h.name}" is not a valid name`);
    if (h.value.length < 1 || h.value.length > maxValue) err(`${at}[${i}].value`, `value must be 1-${maxValue} characters`);
    if (type === 'RegularExpression') {
      const problem = re2Problem(h.value);
      if (problem) err(`${at}[${i}].value`, problem);
    }
    const key = caseInsensitive ? h.name.toLowerCase() : h.name;
    if (seen.has(key)) ctx.report.warn(route, `${at}[${i}]`, 'DuplicateMatch', `"${h.name}" is matched more than once; only the first entry is used`);
    seen.add(key);
  });
}

function validateFilters(filters: readonly HTTPRouteFilter[], at: string, err: Err): void {
  if (filters.length > 16) err(at, 'at most 16 filters');
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    const fAt = `${at}[${i}]`;
    if (!FILTER_TYPES.includes(f.type)) return err(`${fAt}.type`, `type must be one of ${FILTER_TYPES.join(', ')}`);
    const field = FILTER_FIELD[f.type] as keyof HTTPRouteFilter;
    if (f[field] === undefined) err(`${fAt}.${field}`, `filter.${field} must be specified for ${f.type} filter.type`);
    for (const [t, other] of Object.entries(FILTER_FIELD)) {
      if (t !== f.type && f[other] !== undefined) err(`${fAt}.${other}`, `filter.${other} must be nil if the filter.type is not ${t}`);
    }
    if (seen.has(f.type) && f.type !== 'RequestMirror' && f.type !== 'ExtensionRef') err(fAt, `${f.type} may appear at most once`);
    seen.add(f.type);
    validateFilterBody(f, fAt, err);
  });
  if (seen.has('RequestRedirect') && seen.has('URLRewrite')) err(at, 'RequestRedirect and URLRewrite cannot both be set');
}

function validateFilterBody(f: HTTPRouteFilter, at: string, err: Err): void {
  for (const [field, mod] of [['requestHeaderModifier', f.requestHeaderModifier], ['responseHeaderModifier', f.responseHeaderModifier]] as const) {
    if (!mod) continue;
    for (const list of ['set', 'add'] as const) {
      const names = (mod[list] ?? []).map((h) => h.name.toLowerCase());
      if (names.length > 16) err(`${at}.${field}.${list}`, 'at most 16 headers');
      if (new Set(names).size !== names.length) err(`${at}.${field}.${list}`, 'header names must be unique');
      (mod[list] ?? []).forEach((h, i) => {
        if (!isHeaderName(h.name)) err(`${at}.${field}.${list}[${i}].name`, `"${h.name}" is not a valid header name`);
      });
    }
    if ((mod.remove?.length ?? 0) > 16) err(`${at}.${field}.remove`, 'at most 16 headers');
  }
  const r = f.requestRedirect;
  if (r) {
    if (r.scheme !== undefined && !['http', 'https'].includes(r.scheme)) err(`${at}.requestRedirect.scheme`, 'scheme must be http or https');
    if (r.statusCode !== undefined && ![301, 302, 303, 307, 308].includes(r.statusCode)) err(`${at}.requestRedirect.statusCode`, 'statusCode must be 301, 302, 303, 307 or 308');
    if (r.port !== undefined && !isPort(r.port)) err(`${at}.requestRedirect.port`, `port ${r.port} is not in 1-65535`);
    if (r.hostname !== undefined && (!isGatewayHostname(r.hostname) || r.hostname.startsWith('*'))) err(`${at}.requestRedirect.hostname`, `"${r.hostname}" is not a valid hostname`);
  }
  const w = f.urlRewrite;
  if (w?.hostname !== undefined && (!isGatewayHostname(w.hostname) || w.hostname.startsWith('*'))) err(`${at}.urlRewrite.hostname`, `"${w.hostname}" is not a valid hostname`);
  for (const [field, p] of [['requestRedirect', r?.path], ['urlRewrite', w?.path]] as const) {
    if (!p) continue;
    const pAt = `${at}.${field}.path`;
    if (p.type === 'ReplaceFullPath' && p.replaceFullPath === undefined) err(`${pAt}.replaceFullPath`, 'replaceFullPath must be specified when type is set to \'ReplaceFullPath\'');
    else if (p.type === 'ReplacePrefixMatch' && p.replacePrefixMatch === undefined) err(`${pAt}.replacePrefixMatch`, 'replacePrefixMatch must be specified when type is set to \'ReplacePrefixMatch\'');
    else if (!['ReplaceFullPath', 'ReplacePrefixMatch'].includes(p.type)) err(`${pAt}.type`, 'type must be ReplaceFullPath or ReplacePrefixMatch');
    const v = p.replaceFullPath ?? p.replacePrefixMatch;
    if (v !== undefined && (v.length > 1024 || !v.startsWith('/'))) err(pAt, 'the replacement must start with / and be at most 1024 characters');
  }
}

/** ReplacePrefixMatch needs exactly one PathPrefix match in the rule. */
function validatePrefixRewrite(rule: HTTPRouteRule, at: string, err: Err): void {
  const usesPrefix = (rule.filters ?? []).some((f) => (f.urlRewrite?.path ?? f.requestRedirect?.path)?.type === 'ReplacePrefixMatch');
  if (!usesPrefix) return;
  const matches = rule.matches ?? [{}];
  if (matches.length !== 1 || (matches[0]?.path?.type ?? 'PathPrefix') !== 'PathPrefix') {
    err(`${at}.matches`, 'When using URLRewrite or RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified');
  }
}

function validateBackendRef(b: HTTPBackendRef, at: string, err: Err): void {
  const core = (b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service';
  if (core && b.port === undefined) err(`${at}.port`, 'Must have port for Service reference');
  if (b.port !== undefined && !isPort(b.port)) err(`${at}.port`, `port ${b.port} is not in 1-65535`);
  if (b.weight !== undefined && (b.weight < 0 || b.weight > 1_000_000)) err(`${at}.weight`, 'weight must be in 0-1000000');
  validateFilters(b.filters ?? [], `${at}.filters`, err);
}
