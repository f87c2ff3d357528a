import { compileRe2 } from './re2-pattern';
import { compileBytesRules, compileStringRules } from './string-rules';
import { type Violation } from './violation';
import { addressError, emailError, headerRegexError, hostnameError, ipError, uriError, uriRefError, uuidError } from './well-known-formats';
import { envoyViolations } from '../../../test/envoy/upstream-root';
import { aCluster, aListener, aRouteConfiguration, TYPE, withField } from '../../../test/envoy/envoy-fixtures';

const rulesOf = (violations: readonly Violation[]): string[] => violations.map((v) => `${v.path} ${v.rule}`);
const httpHc = 'health_checks[0].http_health_check';

describe('string rules on Envoy resources', () => {
  it('a Cluster with an empty name breaks string.min_len (proto3 default still checked)', () => {
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), 'name', ''))).toEqual([
      { path: 'name', rule: 'string.min_len', message: 'value length must be at least 1 characters, got ""' },
    ]);
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), 'name', undefined)))).toEqual(['name string.min_len']);
  });

  it('an HTTP health check with an empty path breaks string.min_len', () => {
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), `${httpHc}.path`, '')))).toEqual([`${httpHc}.path string.min_len`]);
  });

  it('a header name with a newline breaks well_known_regex HTTP_HEADER_NAME (strict: false)', () => {
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), `${httpHc}.request_headers_to_add[0].header.key`, 'x-bad\nname'));
    expect(rulesOf(v)).toEqual([`${httpHc}.request_headers_to_add[0].header.key string.well_known_regex`]);
    // Loose mode only refuses NUL, CR and LF: a space is accepted.
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), `${httpHc}.request_headers_to_add[0].header.key`, 'x bad'))).toEqual([]);
  });

  it('strict HTTP_HEADER_VALUE (the default) refuses control characters but allows tabs', () => {
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), `${httpHc}.host`, 'a\u0001b')))).toEqual([`${httpHc}.host string.well_known_regex`]);
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), `${httpHc}.host`, 'a\tb'))).toEqual([]);
  });

  it('max_bytes counts UTF-8 bytes', () => {
    const key = `${httpHc}.request_headers_to_add[0].header.value`;
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), key, 'é'.repeat(8192)))).toEqual([]);
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), key, `${'é'.repeat(8192)}x`)))).toEqual([`${key} string.max_bytes`]);
  });

  it('string.in: scheme_to_overwrite must be http or https (inside the HCM Any)', () => {
    const at = 'filter_chains[0].filters[0].typed_config.scheme_header_transformation';
    const v = envoyViolations(TYPE.Listener, withField(aListener(), `${at}.scheme_to_overwrite`, 'ftp'));
    expect(rulesOf(v)).toEqual([`${at}.scheme_to_overwrite string.in`]);
  });

  it('string.pattern: path_separated_prefix may not end with a slash', () => {
    const at = 'virtual_hosts[0].routes[0].match';
    const routes = withField(aRouteConfiguration(), at, { path_separated_prefix: '/api/' });
    expect(rulesOf(envoyViolations(TYPE.RouteConfiguration, routes))).toEqual([`${at}.path_separated_prefix string.pattern`]);
    expect(envoyViolations(TYPE.RouteConfiguration, withField(routes, `${at}.path_separated_prefix`, '/api'))).toEqual([]);
  });

  it('ignore_empty: an empty override_auto_sni_header is fine, an invalid one is not', () => {
    const at = 'upstream_http_protocol_options.override_auto_sni_header';
    expect(envoyViolations(TYPE.Cluster, withField(aCluster(), at, ''))).toEqual([]);
    expect(rulesOf(envoyViolations(TYPE.Cluster, withField(aCluster(), at, 'bad header')))).toEqual([`${at} string.well_known_regex`]);
  });

  it('bytes.max_len on HeaderValue.raw_value', () => {
    const at = `${httpHc}.request_headers_to_add[0].header`;
    const v = envoyViolations(TYPE.Cluster, withField(aCluster(), at, { key: 'x-raw', raw_value: new Uint8Array(16385) }));
    expect(rulesOf(v)).toEqual([`${at}.raw_value bytes.max_len`]);
  });
});

describe('compileStringRules', () => {
  const run = (rules: Record<string, unknown>, value: unknown): string[] => {
    const out: Violation[] = [];
    compileStringRules(rules)?.(value, 's', out);
    return out.map((v) => v.rule);
  };

  it.each([
    [{ len: 2 }, '😀é', []],
    [{ len: 3 }, '😀é', ['string.len']],
    [{ max_len: 1 }, '😀', []],
    [{ len_bytes: 4 }, '😀', []],
    [{ min_bytes: 5 }, '😀', ['string.min_bytes']],
    [{ const: 'a' }, 'b', ['string.const']],
    [{ prefix: 'ab' }, 'abc', []],
    [{ suffix: 'bc' }, 'abd', ['string.suffix']],
    [{ contains: 'zz' }, 'abc', ['string.contains']],
    [{ not_contains: 'b' }, 'abc', ['string.not_contains']],
    [{ in: ['x', 'y'] }, 'z', ['string.in']],
    [{ not_in: 'z' }, 'z', ['string.not_in']],
    [{ pattern: '^[a-z]+$' }, 'abc', []],
    [{ pattern: '(?i)^[a-z]+$' }, 'ABC', []],
    [{ pattern: '^[a-z]+$' }, 'ABC', ['string.pattern']],
    [{ pattern: '(?i:abc)' }, 'abc', ['string.pattern_unsupported']],
    [{ email: true }, 'ops@example.com', []],
    [{ hostname: true }, '-bad.example', ['string.hostname']],
    [{ ipv4: true }, '::1', ['string.ipv4']],
    [{ ip: true }, '::1', []],
    [{ uuid: true }, '123e4567-e89b-12d3-a456-426614174000', []],
    [{ address: true }, 'not an address', ['string.address']],
    [{ uri: true }, '/relative', ['string.uri']],
    [{ uri_ref: true }, '/relative', []],
    [{ well_known_regex: 'HTTP_HEADER_NAME' }, 'x bad', ['string.well_known_regex']],
    [{ well_known_regex: 1, strict: false }, 'x bad', []],
    [{ min_len: 1, ignore_empty: true }, '', []],
  ])('%j on %p -> %j', (rules, value, expected) => {
    expect(run(rules, value)).toEqual(expected);
  });
});

describe('compileBytesRules', () => {
  const run = (rules: Record<string, unknown>, value: Uint8Array): string[] => {
    const out: Violation[] = [];
    compileBytesRules(rules)?.(value, 'b', out);
    return out.map((v) => v.rule);
  };
  const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

  it.each([
    [{ len: 2 }, b(1, 2), []],
    [{ min_len: 3 }, b(1, 2), ['bytes.min_len']],
    [{ const: '\u0001\u0002' }, b(1, 2), []],
    [{ prefix: '\u0001' }, b(2, 1), ['bytes.prefix']],
    [{ suffix: '\u0001' }, b(2, 1), []],
    [{ contains: '\u00ff' }, b(1, 255, 3), []],
    [{ in: ['\u0001', '\u0002'] }, b(3), ['bytes.in']],
    [{ not_in: '\u0003' }, b(3), ['bytes.not_in']],
    [{ ipv4: true }, b(127, 0, 0, 1), []],
    [{ ipv6: true }, b(127, 0, 0, 1), ['bytes.ipv6']],
    [{ pattern: '^ab$' }, b(0x61, 0x62), []],
    [{ min_len: 1, ignore_empty: true }, b(), []],
  ])('%j on %p -> %j', (rules, value, expected) => {
    expect(run(rules, value)).toEqual(expected);
  });
});

describe('well-known formats', () => {
  it.each([
    ['example.com', true], ['example.com.', true], ['a-b.c', true], ['-a.com', false], ['a-.com', false],
    ['a..b', false], ['under_score.com', false], [`${'a'.repeat(64)}.com`, false],
  ])('hostname %p -> %p', (value, ok) => expect(hostnameError(value) === undefined).toBe(ok));

  it.each([
    ['a@b.co', true], ['Ops <ops@example.com>', true], ['no-at-sign', false], ['a@-bad', false],
    [`${'x'.repeat(65)}@b.co`, false], ['a..b@c.d', false], ['"quoted local"@c.d', true],
  ])('email %p -> %p', (value, ok) => expect(emailError(value) === undefined).toBe(ok));

  it('ip, address, uuid, uri', () => {
    expect(ipError('192.0.2.1', 4)).toBeUndefined();
    expect(ipError('fe80::1%eth0', 6)).toBeDefined();
    expect(ipError('2001:db8::1', 0)).toBeUndefined();
    expect(addressError('backend.internal')).toBeUndefined();
    expect(uuidError('123e4567-e89b-12d3-a456-42661417400')).toBeDefined();
    expect(uriError('https://example.com/a%20b')).toBeUndefined();
    expect(uriError('https://example.com/%zz')).toBeDefined();
    expect(uriRefError('a:b/c')).toBeUndefined();
    expect(uriRefError('./a:b')).toBeUndefined();
    expect(uriRefError('a\u0000')).toBeDefined();
  });

  it.each([
    ['HTTP_HEADER_NAME', true, ':authority', true],
    ['HTTP_HEADER_NAME', true, '', false],
    ['HTTP_HEADER_NAME', true, 'x@y', false],
    ['HTTP_HEADER_NAME', false, 'x@y', true],
    ['HTTP_HEADER_VALUE', true, 'a\u007fb', false],
    ['HTTP_HEADER_VALUE', false, 'a\u007fb', true],
    ['HTTP_HEADER_VALUE', false, 'a\rb', false],
  ] as const)('%s strict=%p %p -> %p', (kind, strict, value, ok) => {
    expect(headerRegexError(kind, strict, value) === undefined).toBe(ok);
  });
});

describe('compileRe2', () => {
  it.each([
    ['(?P<x>a+)\\z', 'aa', true],
    ['\\Aab', 'ab', true],
    ['^a\\z', 'a\n', false],
    ['\\Q1.5\\E', '1.5', true],
    ['\\Q1.5\\E', '105', false],
    ['^[[:digit:]]+$', '123', true],
    ['^\\pL+$', 'héllo', true],
    ['^[^?#]+[^?#/]$', '/a/b', true],
  ])('%p matches %p: %p', (pattern, input, expected) => {
    const compiled = compileRe2(pattern);
    expect(compiled.ok && compiled.re.test(input)).toBe(expected);
  });

  it('reports constructs JS cannot express', () => {
    expect(compileRe2('a\\Cb')).toMatchObject({ ok: false });
    expect(compileRe2('(?U)a+')).toMatchObject({ ok: false });
  });
});
