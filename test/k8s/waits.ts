/**
 * Bounded, event-driven waits for tests against the stand-in API server: no polling, no sleeping;
 * each wait rejects with a description after `timeoutMs` of real time.
 */
import type { ResourceStore, StoreState } from '../../src/sources/store';

export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first store state (the current one included) that satisfies `pred`. */
export function storeUntil(store: ResourceStore, pred: (s: StoreState) => boolean, what: string, timeoutMs = 5000): Promise<StoreState> {
  const now = store.state();
  if (pred(now)) return Promise.resolve(now);
  let off: () => void = () => undefined;
  const found = new Promise<StoreState>((resolve) => {
    off = store.on('changed', (s) => {
      if (pred(s)) resolve(s);
    });
  });
  return withTimeout(found, what, timeoutMs).finally(() => off());
}

/** Resolves when `check` holds, re-checked each time `subscribe` reports a change. */
export function until(subscribe: (fn: () => void) => () => void, check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  let off: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    off = subscribe(() => {
      if (check()) resolve();
    });
  });
  return withTimeout(done, what, timeoutMs).finally(() => off());
}
