/**
 * Subscription: which names of one type a client asked for on one stream, and whether it asked
 * for the wildcard. Shared by SotwStream and DeltaStream; owns the legacy-wildcard rule (an empty
 * first list means "*" for LDS/CDS until the client names anything; never for gRPC clients).
 */
import { WILDCARD_TYPES, type TypeUrl } from '../type-urls';

export const WILDCARD = '*';

export interface SubscriptionChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly wildcardChanged: boolean;
}

export class Subscription {
  private readonly names = new Set<string>();
  private wildcard = false;
  private legacyWildcardPossible: boolean;
  /** SotW: the list of the previous request, to skip rebuilding the set when an ACK repeats it. */
  private lastRequested: readonly string[] | undefined;

  constructor(
    readonly typeUrl: string,
    options: { readonly legacyWildcard: boolean },
  ) {
    this.legacyWildcardPossible = options.legacyWildcard && WILDCARD_TYPES.has(typeUrl as TypeUrl);
  }

  isWildcard(): boolean {
    return this.wildcard;
  }

  /** Explicitly named resources (without "*"). */
  explicitNames(): ReadonlySet<string> {
    return this.names;
  }

  /** Whether the client wants this name: explicitly, or through the wildcard. */
  tracks(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** SotW: the request carries the complete set of names. */
  replaceAll(requested: readonly string[]): SubscriptionChange {
    if (this.lastRequested && sameList(this.lastRequested, requested)) return NO_CHANGE;
    this.lastRequested = requested;
    const wasWildcard = this.wildcard;
    let wildcard: boolean;
    const next = new Set<string>();
    if (requested.length === 0) {
      wildcard = this.legacyWildcardPossible;
    } else {
      this.legacyWildcardPossible = false;
      wildcard = false;
      for (const n of requested) {
        if (n === WILDCARD) wildcard = true;
        else next.add(n);
      }
    }
    const added = [...next].filter((n) => !this.names.has(n));
    const removed = [...this.names].filter((n) => !next.has(n));
    this.names.clear();
    for (const n of next) this.names.add(n);
    this.wildcard = wildcard;
    return { added, removed, wildcardChanged: wasWildcard !== wildcard };
  }

  /**
   * Delta: names added and removed. On the first request of a type, empty lists mean the legacy
   * wildcard (LDS/CDS only).
   */
  update(subscribe: readonly string[], unsubscribe: readonly string[], first: boolean): SubscriptionChange {
    const wasWildcard = this.wildcard;
    if (first && subscribe.length === 0 && unsubscribe.length === 0 && this.legacyWildcardPossible) this.wildcard = true;
    const added: string[] = [];
    const removed: string[] = [];
    for (const n of subscribe) {
      if (n === WILDCARD) this.wildcard = true;
      else {
        if (!this.names.has(n)) added.push(n);
        this.names.add(n);
      }
    }
    for (const n of unsubscribe) {
      if (n === WILDCARD) this.wildcard = false;
      else if (this.names.delete(n)) removed.push(n);
    }
    this.legacyWildcardPossible = false;
    return { added, removed, wildcardChanged: wasWildcard !== this.wildcard };
  }

  /** Names for the hooks and status pages: "*" first when wildcard. */
  describe(): string[] {
    const names = [...this.names].sort();
    return this.wildcard ? [WILDCARD, ...names] : names;
  }
}

export const NO_CHANGE: SubscriptionChange = { added: [], removed: [], wildcardChanged: false };

/** Whether a change added, removed or toggled anything. */
export function changed(change: SubscriptionChange): boolean {
  return change.added.length > 0 || change.removed.length > 0 || change.wildcardChanged;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
