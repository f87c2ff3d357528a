import { intersectHostnames } from './hostnames';

describe('intersectHostnames', () => {
  it.each([
    [undefined, [], ['*']],
    ['foo.com', [], ['foo.com']],
    [undefined, ['a.com', 'b.com'], ['a.com', 'b.com']],
    ['*.example.com', ['www.example.com', 'other.org'], ['www.example.com']],
    ['www.example.com', ['*.example.com'], ['www.example.com']],
    ['*.example.com', ['*.a.example.com'], ['*.a.example.com']],
    ['*.example.com', ['example.com'], []],
    ['a.com', ['b.com'], []],
  ])('listener %s, route %j -> %j', (l, r, out) => expect(intersectHostnames(l, r)).toEqual(out));
});
