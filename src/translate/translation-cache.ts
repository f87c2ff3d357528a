/**
 * TranslationCache: the state translateInputs() keeps from one call to the next so that a new
 * translation costs in proportion to what changed (a TranslationEngine with tracking on, per set
 * of options). Receives nothing directly: translateInputs() hands it the inputs. Must never change
 * an output: a translation through the cache equals a fresh one. Drops its state when the options
 * change or a translation throws.
 */
import type { InputResources } from '../model/resources';
import type { TranslateOptions } from './context';
import { TranslationEngine, type TranslationResult } from './engine';

export class TranslationCache {
  private options: TranslateOptions | undefined;
  private engine: TranslationEngine | undefined;

  translate(inputs: InputResources, options: TranslateOptions): TranslationResult {
    if (!this.engine || !this.options || !sameOptions(this.options, options)) {
      this.engine = new TranslationEngine(options, true);
      this.options = { ...options };
    }
    try {
      return this.engine.translate(inputs);
    } catch (err) {
      this.engine = undefined;
      throw err;
    }
  }
}

function sameOptions(a: TranslateOptions, b: TranslateOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof TranslateOptions)[]);
  return [...keys].every((k) => a[k] === b[k]);
}
