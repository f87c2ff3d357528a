import { toStatusRanges } from './status-ranges';

describe('toStatusRanges', () => {
  it.each([
    [[200, 302], [{ start: 200, end: 201 }, { start: 302, end: 303 }]],
    [[500, 501, 502, 503, 504, 505], [{ start: 500, end: 506 }]],
    [[503, 500, 500, 501], [{ start: 500, end: 502 }, { start: 503, end: 504 }]],
    [[], []],
  ])('%j', (codes, ranges) => expect(toStatusRanges(codes)).toEqual(ranges));
});
