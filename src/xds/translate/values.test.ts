import { duration } from './values';

describe('duration', () => {
  it.each([
    [2000, { seconds: 2 }],
    [500, { seconds: 0, nanos: 500_000_000 }],
    [1500, { seconds: 1, nanos: 500_000_000 }],
    [0.25, { seconds: 0, nanos: 250_000 }],
    [31_536_000_000, { seconds: 31_536_000 }],
  ])('%d ms', (ms, d) => expect(duration(ms)).toEqual(d));
});
