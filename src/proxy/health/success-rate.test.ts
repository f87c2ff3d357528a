import { SuccessRateBuckets, successRateThreshold } from './success-rate';

describe('success-rate math (§5.6)', () => {
  it('computes Envoy’s worked example: mean 90, threshold 52', () => {
    expect(successRateThreshold([100, 100, 100, 100, 50], 1900)).toEqual({ mean: 90, threshold: 52 });
  });

  it('reads only the last complete interval', () => {
    const b = new SuccessRateBuckets();
    b.record(true);
    b.record(false);
    expect(b.lastInterval()).toBeUndefined();
    b.swap();
    b.record(false);
    expect(b.lastInterval()).toEqual({ rate: 50, volume: 2 });
    b.swap();
    expect(b.lastInterval()).toEqual({ rate: 0, volume: 1 });
    b.swap();
    expect(b.lastInterval()).toBeUndefined();
  });
});
