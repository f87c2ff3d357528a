/**
 * translateInputs(): the pure pipeline from input resources to the IR, with every problem as a
 * TranslationFailure and every served object's status. Receives an InputResources bundle, options
 * and optionally the TranslationCache of earlier calls; emits {ir, failures, statuses}, the same
 * with or without the cache. No I/O, no clock, no logger; never throws on bad input, and one bad
 * object never blocks the others. The steps (engine.ts) run in a fixed order, on purpose:
 * 1. leaf objects (EndpointSlices, Services and their policy links, ReferenceGrants);
 * 2. health policies, then the Gloo Upstream backends; 3. the Gateways served; 4. routes attach
 * to listeners, building Service backends as they reference them; 5. statuses that depend on
 * what attached; 6. the IR, sorted by name.
 */
import type { InputResources } from '../model/resources';
import { DEFAULT_OPTIONS, type TranslateOptions } from './context';
import { TranslationEngine, type TranslationResult } from './engine';
import type { TranslationCache } from './translation-cache';

export { TranslationCache } from './translation-cache';
export type { TranslationResult } from './engine';

export function translateInputs(inputs: InputResources, options: Partial<TranslateOptions> = {}, cache?: TranslationCache): TranslationResult {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  return cache ? cache.translate(inputs, opts) : new TranslationEngine(opts, false).translate(inputs);
}
