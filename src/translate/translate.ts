/**
 * translateInputs(): the pure pipeline from input resources to the IR, with every problem as a
 * TranslationFailure and every served object's status. Receives InputResources, options and
 * optionally the TranslationCache of earlier calls; emits {ir, failures, statuses}, the same with
 * or without the cache. No I/O, no clock, no logger; never throws on bad input, and one bad
 * object never blocks the others. The steps and their order are engine.ts's.
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
