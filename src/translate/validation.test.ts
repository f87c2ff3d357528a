import { isGatewayHostname, isHeaderName, isIpv4, isIpv6, re2Problem } from './validation';

describe('validation helpers', () => {
  it.each([
    ['10.0.0.1', true], ['255.255.255.255', true], ['256.0.0.1', false], ['01.2.3.4', false], ['1.2.3', false], ['a.b.c.d', false],
  ])('isIpv4(%s) = %s', (s, ok) => expect(isIpv4(s)).toBe(ok));

  it.each([
    ['::1', true], ['fe80::1', true], ['2001:db8:0:0:0:0:0:1', true], ['::ffff:10.0.0.1', true], ['1::2::3', false], ['12345::', false], ['1:2:3:4:5:6:7', false], ['10.0.0.1', false],
  ])('isIpv6(%s) = %s', (s, ok) => expect(isIpv6(s)).toBe(ok));

  it.each([
    ['www.example.com', true], ['*.example.com', true], ['Example.com', false], ['10.0.0.1', false], ['foo.*.com', false], ['-a.com', false],
  ])('isGatewayHostname(%s) = %s', (s, ok) => expect(isGatewayHostname(s)).toBe(ok));

  it('accepts header tokens only', () => {
    expect(isHeaderName('x-user-id')).toBe(true);
    expect(isHeaderName('bad header')).toBe(false);
  });

  it('rejects regexes RE2 cannot compile', () => {
    expect(re2Problem('^/api/v[0-9]+$')).toBeUndefined();
    expect(re2Problem('(a)\\1')).toMatch(/RE2/);
    expect(re2Problem('a(?=b)')).toMatch(/RE2/);
    expect(re2Problem('([')).toMatch(/invalid regular expression/);
  });
});
