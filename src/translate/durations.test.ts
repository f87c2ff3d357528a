import { kongSecondsToMs, parseGoDuration } from './durations';

describe('parseGoDuration', () => {
  it.each([
    ['2s', 2000], ['500ms', 500], ['1m30s', 90_000], ['1h', 3_600_000], ['1.5s', 1500], ['0', 0], ['0s', 0], ['250us', 0.25], ['+3s', 3000], ['.5s', 500],
  ])('%s = %d ms', (text, ms) => expect(parseGoDuration(text)).toEqual({ ok: true, ms }));

  it.each(['', '5', 's', '1d', '1 s', '-2s', 'soon'])('rejects %j', (text) => expect(parseGoDuration(text).ok).toBe(false));
});

describe('kongSecondsToMs', () => {
  it('keeps millisecond precision of fractional seconds', () => {
    expect(kongSecondsToMs(5)).toBe(5000);
    expect(kongSecondsToMs(0.5)).toBe(500);
  });
});
