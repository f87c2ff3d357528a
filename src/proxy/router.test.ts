import type * as ir from '../ir/types';
import { aListener, aMatch, aRoute, aVirtualHost } from '../../test/fakes/proxy-fixtures';
import { pathPrefixMatches, Router, stripPort, type RoutableRequest } from './router';

function req(url: string, overrides: Partial<RoutableRequest> = {}): RoutableRequest {
  return { method: 'GET', host: 'example.com', url, headers: {}, ...overrides };
}

describe('pathPrefixMatches (Gateway API PathPrefix, element-wise)', () => {
  it.each([
    ['/abc', '/abc', true],
    ['/abc', '/abc/', true],
    ['/abc', '/abc/def', true],
    ['/abc', '/abcd', false],
    ['/abc', '/ab', false],
    ['/abc/', '/abc', true],
    ['/abc/', '/abc/def', true],
    ['/abc/', '/abcdef', false],
    ['/', '/', true],
    ['/', '/anything/at/all', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
    ['/abc', '/ABC', false],
  ])('prefix %s vs path %s → %s', (prefix, path, expected) => {
    expect(pathPrefixMatches(prefix, path)).toBe(expected);
  });
});

describe('stripPort', () => {
  it.each([
    ['example.com', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:80', '[::1]'],
    ['[::1]', '[::1]'],
    ['::1', '::1'],
    ['10.0.0.1:443', '10.0.0.1'],
  ])('%s → %s', (host, expected) => expect(stripPort(host)).toBe(expected));
});

describe('Router: virtual hosts', () => {
  const router = new Router([
    aListener(80, [
      aVirtualHost('foo.example.com', [aRoute('exact')]),
      aVirtualHost('*.example.com', [aRoute('wild')]),
      aVirtualHost('*.bar.example.com', [aRoute('longer-wild')]),
      aVirtualHost('*', [aRoute('any')]),
    ]),
  ]);

  it.each([
    ['foo.example.com', 'exact'],
    ['FOO.Example.COM', 'exact'],
    ['foo.example.com:8080', 'exact'],
    ['x.example.com', 'wild'],
    ['a.b.example.com', 'wild'],
    ['x.bar.example.com', 'longer-wild'],
    ['example.com', 'any'],
    ['other.org', 'any'],
    ['', 'any'],
  ])('Host %j → route %s', (host, route) => {
    expect(router.match(req('/', { host }))?.route.name).toBe(route);
  });

  it('answers nothing when no virtual host matches and there is no `*`', () => {
    const strict = new Router([aListener(80, [aVirtualHost('only.example.com', [aRoute('r')])])]);
    expect(strict.match(req('/', { host: 'other.example.com' }))).toBeUndefined();
  });

  it('merges virtual hosts with the same hostname from several listeners, in listener order', () => {
    const merged = new Router([
      aListener(80, [aVirtualHost('*', [aRoute('first', { match: aMatch({ path: { type: 'Exact', value: '/a' } }) })])]),
      aListener(81, [aVirtualHost('*', [aRoute('second')])]),
    ]);
    expect(merged.match(req('/a'))?.route.name).toBe('first');
    expect(merged.match(req('/b'))?.route.name).toBe('second');
    expect(merged.match(req('/a'))?.listenerPort).toBe(80);
  });
});

function single(match: ir.RouteMatch): Router {
  return new Router([aListener(80, [aVirtualHost('*', [aRoute('r', { match })])])]);
}

describe('Router: route matches', () => {
  it.each<[string, ir.RouteMatch, RoutableRequest, boolean]>([
    ['exact path', aMatch({ path: { type: 'Exact', value: '/a' } }), req('/a'), true],
    ['exact path ignores the query', aMatch({ path: { type: 'Exact', value: '/a' } }), req('/a?x=1'), true],
    ['exact path, trailing slash differs', aMatch({ path: { type: 'Exact', value: '/a' } }), req('/a/'), false],
    ['prefix', aMatch({ path: { type: 'PathPrefix', value: '/api' } }), req('/api/v1'), true],
    ['prefix is element-wise', aMatch({ path: { type: 'PathPrefix', value: '/api' } }), req('/apis'), false],
    ['regex is a full match', aMatch({ path: { type: 'RegularExpression', value: '/u/[0-9]+' } }), req('/u/42'), true],
    ['regex does not match a substring', aMatch({ path: { type: 'RegularExpression', value: '/u/[0-9]+' } }), req('/u/42/x'), false],
    ['invalid regex never matches', aMatch({ path: { type: 'RegularExpression', value: '/u/(' } }), req('/u/('), false],
    ['method', aMatch({ method: 'POST' }), req('/', { method: 'POST' }), true],
    ['method mismatch', aMatch({ method: 'POST' }), req('/'), false],
    ['header exact, name case-insensitive', aMatch({ headers: [{ type: 'Exact', name: 'X-Env', value: 'canary' }] }), req('/', { headers: { 'x-env': 'canary' } }), true],
    ['header exact, value case-sensitive', aMatch({ headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }] }), req('/', { headers: { 'x-env': 'Canary' } }), false],
    ['header missing', aMatch({ headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }] }), req('/'), false],
    ['header regex', aMatch({ headers: [{ type: 'RegularExpression', name: 'x-v', value: 'v[12]' }] }), req('/', { headers: { 'x-v': 'v2' } }), true],
    ['header regex is a full match', aMatch({ headers: [{ type: 'RegularExpression', name: 'x-v', value: 'v[12]' }] }), req('/', { headers: { 'x-v': 'v22' } }), false],
    ['repeated header joined with commas', aMatch({ headers: [{ type: 'Exact', name: 'x-a', value: '1,2' }] }), req('/', { headers: { 'x-a': ['1', '2'] } }), true],
    ['all headers must match', aMatch({ headers: [{ type: 'Exact', name: 'a', value: '1' }, { type: 'Exact', name: 'b', value: '2' }] }), req('/', { headers: { a: '1' } }), false],
    ['query param exact', aMatch({ queryParams: [{ type: 'Exact', name: 'debug', value: 'true' }] }), req('/?debug=true'), true],
    ['query param first value wins', aMatch({ queryParams: [{ type: 'Exact', name: 'v', value: '2' }] }), req('/?v=1&v=2'), false],
    ['query param missing', aMatch({ queryParams: [{ type: 'Exact', name: 'debug', value: 'true' }] }), req('/?other=true'), false],
    ['query param regex', aMatch({ queryParams: [{ type: 'RegularExpression', name: 'id', value: '\\d+' }] }), req('/?id=123'), true],
    ['query param name is case-sensitive', aMatch({ queryParams: [{ type: 'Exact', name: 'Debug', value: 'true' }] }), req('/?debug=true'), false],
  ])('%s', (_name, match, request, expected) => {
    expect(single(match).match(request) !== undefined).toBe(expected);
  });

  it('takes the first matching route in IR order', () => {
    const router = new Router([
      aListener(80, [
        aVirtualHost('*', [
          aRoute('exact', { match: aMatch({ path: { type: 'Exact', value: '/x' } }) }),
          aRoute('prefix', { match: aMatch({ path: { type: 'PathPrefix', value: '/x' } }) }),
          aRoute('root'),
        ]),
      ]),
    ]);
    expect(router.match(req('/x'))?.route.name).toBe('exact');
    expect(router.match(req('/x/y'))?.route.name).toBe('prefix');
    expect(router.match(req('/z'))?.route.name).toBe('root');
  });

  it('parses the query for a virtual host that has a query-param route, also one merged from another listener', () => {
    const router = new Router([
      aListener(80, [aVirtualHost('*', [aRoute('plain', { match: aMatch({ path: { type: 'Exact', value: '/p' } }) })])]),
      aListener(81, [aVirtualHost('*', [aRoute('debug', { match: aMatch({ queryParams: [{ type: 'Exact', name: 'debug', value: 'true' }] }) }), aRoute('root')])]),
    ]);
    expect(router.match(req('/p?debug=true'))?.route.name).toBe('plain');
    expect(router.match(req('/x?debug=true'))?.route.name).toBe('debug');
    expect(router.match(req('/x?debug=false'))?.route.name).toBe('root');
  });

  it('splits path and query for the action', () => {
    const m = single(aMatch()).match(req('/p/q?a=1&b=2'));
    expect(m).toMatchObject({ path: '/p/q', query: '?a=1&b=2' });
  });
});
