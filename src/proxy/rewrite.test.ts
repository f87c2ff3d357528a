import type * as ir from '../ir/types';
import { redirectLocation, rewritePath } from './rewrite';

const prefix = (p: string, replacement: string): ir.PathRewrite => ({ type: 'ReplacePrefixMatch', prefix: p, replacement });

describe('rewritePath: ReplacePrefixMatch (the Gateway API table)', () => {
  it.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/', '/', '/xyz', '/xyz/'],
    ['/a/b', '/', '/xyz', '/xyz/a/b'],
  ])('%s with prefix %s → %s gives %s', (path, p, replacement, expected) => {
    expect(rewritePath(path, prefix(p, replacement))).toBe(expected);
  });

  // konghq.com/strip-path: the translator rewrites the matched prefix to `/` (Envoy: regex `^/test/*` → `/`).
  it.each([
    ['/test/status/200', '/status/200'],
    ['/test', '/'],
    ['/test/', '/'],
    ['/test//double', '/double'],
  ])('strip-path of /test: %s → %s', (path, expected) => {
    expect(rewritePath(path, prefix('/test', '/'))).toBe(expected);
  });

  it('leaves a path that does not carry the prefix alone', () => {
    expect(rewritePath('/other', prefix('/foo', '/x'))).toBe('/other');
    expect(rewritePath('/foobar', prefix('/foo', '/x'))).toBe('/foobar');
  });

  it('ReplaceFullPath replaces the whole path', () => {
    expect(rewritePath('/any/thing', { type: 'ReplaceFullPath', path: '/fixed' })).toBe('/fixed');
  });
});

describe('redirectLocation', () => {
  const ctx = { scheme: 'http', host: 'example.com:8080', listenerPort: 8080, path: '/a/b', query: '?q=1' };
  const redirect = (overrides: Partial<ir.RedirectAction>): ir.RedirectAction => ({ type: 'redirect', statusCode: 302, ...overrides });

  it.each<[string, Partial<ir.RedirectAction>, string]>([
    ['keeps everything, listener port', {}, 'http://example.com:8080/a/b?q=1'],
    ['scheme https: port 443 left out', { scheme: 'https' }, 'https://example.com/a/b?q=1'],
    ['scheme https with an explicit port', { scheme: 'https', port: 8443 }, 'https://example.com:8443/a/b?q=1'],
    ['hostname', { hostname: 'new.example.com' }, 'http://new.example.com:8080/a/b?q=1'],
    ['port 80 on http is left out', { port: 80 }, 'http://example.com/a/b?q=1'],
    ['full path', { path: { type: 'ReplaceFullPath', path: '/x' } }, 'http://example.com:8080/x?q=1'],
    ['prefix path', { path: { type: 'ReplacePrefixMatch', prefix: '/a', replacement: '/z' } }, 'http://example.com:8080/z/b?q=1'],
  ])('%s', (_name, overrides, expected) => {
    expect(redirectLocation(redirect(overrides), ctx)).toBe(expected);
  });

  it('on listener port 80 without a scheme change the port is left out', () => {
    expect(redirectLocation(redirect({}), { ...ctx, host: 'example.com', listenerPort: 80, query: '' })).toBe('http://example.com/a/b');
  });
});
