/**
 * Informers: one client-node ListWatch per watched kind (per namespace when --namespace is given).
 * Receives the KubeConfig (watches) and a KubeApi (paged lists); emits every add, update and delete
 * to its listener, and state changes (synced, missing CRD, failing). Relists on 410 Gone, resumes
 * from the last resourceVersion after a dropped watch, and restarts after any error with backoff
 * on the injected clock: it never gives up and never throws because the API server went away.
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Clock, Random, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import { isStatus, type Json, type KubeApi } from './api-client';
import { apiVersionOf, collectionPath, type WatchedKind } from './kinds';

export type InformerState = 'starting' | 'synced' | 'missing' | 'failing' | 'stopped';

export interface InformerListener {
  upsert(kind: WatchedKind, object: Json): void;
  remove(kind: WatchedKind, object: Json): void;
  /** The informer's state changed (or its error did). */
  state(informer: KindInformer): void;
}

export interface InformerTiming {
  /** Items per list page (default 500). */
  readonly pageSize?: number;
  /** First and largest backoff after an error (default 1 s, 30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How often a kind whose CRD is missing is looked for again (default 30 s). */
  readonly missingRetryMs?: number;
  /** The shortest time between two watch requests (default 1 s; guards against a server that closes at once). */
  readonly minWatchIntervalMs?: number;
  /** Server-side watch timeout: a random value in [t, 2t) seconds (default 300, as client-go). */
  readonly watchTimeoutSeconds?: number;
}

export interface KindInformerOptions extends InformerTiming {
  readonly kind: WatchedKind;
  /** undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly config: KubeConfig;
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly listener: InformerListener;
}

type Obj = KubernetesObject & Json;

export class KindInformer {
  readonly kind: WatchedKind;
  readonly namespace: string | undefined;
  private readonly informer: ListWatch<Obj>;
  private current: InformerState = 'stopped';
  private error: string | undefined;
  private failures = 0;
  private retry: TimerHandle | undefined;
  private lastWatchAt = Number.NEGATIVE_INFINITY;
  private settled: Promise<void>;
  private settle: () => void = () => undefined;
  private counters = { lists: 0, watches: 0, relists: 0 };

  constructor(private readonly options: KindInformerOptions) {
    this.kind = options.kind;
    this.namespace = options.namespace;
    this.settled = new Promise((resolve) => (this.settle = resolve));
    const path = collectionPath(options.kind, options.namespace);
    const watch = new GuardedWatch(options.config, this);
    this.informer = new ListWatch<Obj>(path, watch, () => this.listAll(path), false);
    this.informer.on('add', (o) => options.listener.upsert(this.kind, this.typed(o)));
    this.informer.on('update', (o) => options.listener.upsert(this.kind, this.typed(o)));
    this.informer.on('delete', (o) => options.listener.remove(this.kind, this.typed(o)));
    this.informer.on('error', (err: unknown) => this.onError(err));
  }

  get state(): InformerState {
    return this.current;
  }

  /** The last error, while failing or missing. */
  get lastError(): string | undefined {
    return this.error;
  }

  get stats(): { readonly lists: number; readonly watches: number; readonly relists: number } {
    return { ...this.counters };
  }

  /** A description for logs and /ready: `Upstream` or `Upstream in ns`. */
  get label(): string {
    return this.namespace !== undefined && this.kind.namespaced ? `${this.kind.kind} in ${this.namespace}` : this.kind.kind;
  }

  /** Starts listing and watching; returns at once. */
  start(): void {
    if (this.current !== 'stopped') return;
    this.setState('starting', undefined);
    this.run();
  }

  /** Resolves once the first list was applied, or the kind turned out to be missing. */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  async stop(): Promise<void> {
    this.options.clock.clearTimeout(this.retry);
    this.retry = undefined;
    this.setState('stopped', undefined);
    await this.informer.stop();
  }

  /** The objects as last seen (with status and resourceVersion). */
  get(namespace: string, name: string): Json | undefined {
    return this.informer.get(name, this.kind.namespaced ? namespace : undefined);
  }

  list(): readonly Json[] {
    return this.informer.list();
  }

  /** Called by the watch before each watch request; false when the informer was stopped meanwhile. */
  async beforeWatch(): Promise<boolean> {
    const wait = this.lastWatchAt + (this.options.minWatchIntervalMs ?? 1000) - this.options.clock.now();
    if (wait > 0) await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, wait));
    if (this.current === 'stopped') return false;
    this.lastWatchAt = this.options.clock.now();
    this.counters.watches++;
    if (this.current !== 'synced') {
      if (this.current === 'missing' || this.current === 'failing') this.options.logger.info('watching again', { kind: this.label });
      this.setState('synced', undefined);
      this.settle();
    }
    return true;
  }

  /** Called once a watch request was answered 200: the connection works again. */
  watchConnected(): void {
    this.failures = 0;
  }

  watchTimeoutSeconds(): number {
    const base = this.options.watchTimeoutSeconds ?? 300;
    return Math.floor(base * (1 + this.options.random.next()));
  }

  private run(): void {
    this.informer.start().catch((err: unknown) => this.onError(err));
  }

  /** Every page of the collection, as one list (a continue token that expired restarts the list). */
  private async listAll(path: string): Promise<KubernetesListObject<Obj>> {
    this.counters.lists++;
    if (this.counters.lists > 1) this.counters.relists++;
    const limit = this.options.pageSize ?? 500;
    for (let attempt = 0; ; attempt++) {
      const items: Obj[] = [];
      let token: string | undefined;
      let resourceVersion = '';
      try {
        do {
          const page = await this.options.api.listPage(path, limit, token);
          if (token === undefined) resourceVersion = page.resourceVersion;
          for (const item of page.items) items.push(item as Obj);
          token = page.continueToken;
        } while (token !== undefined);
      } catch (err) {
        if (token !== undefined && isStatus(err, 410) && attempt < 3) continue;
        throw err;
      }
      return { apiVersion: apiVersionOf(this.kind), kind: `${this.kind.kind}List`, metadata: { resourceVersion }, items };
    }
  }

  private onError(err: unknown): void {
    if (this.current === 'stopped') return; // the abort of our own stop()
    const message = err instanceof Error ? err.message : String(err);
    const { logger } = this.options;
    if (isStatus(err, 404) && this.kind.crd) {
      if (this.current !== 'missing') {
        logger.warn(`${this.kind.kind} is not served by the API server (is its CRD installed?); the other kinds keep working`, { kind: this.label, apiVersion: apiVersionOf(this.kind), plural: this.kind.plural });
      }
      this.setState('missing', `the ${this.kind.plural}.${this.kind.group} CRD (${apiVersionOf(this.kind)}) is not installed`);
      this.settle();
      this.schedule(this.options.missingRetryMs ?? 30_000);
      return;
    }
    this.failures++;
    if (this.failures === 1 && this.current === 'synced') {
      logger.debug('watch ended with an error; resuming from the last resourceVersion', { kind: this.label, err: message });
      this.run(); // a working watch that was cut resumes at once; only repeated failures back off
      return;
    }
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.backoffMs ?? 1000) * 2 ** Math.min(this.failures - 1, 16));
    const jittered = Math.round(delay * (0.8 + 0.4 * this.options.random.next()));
    if (this.current !== 'failing') logger.warn('list/watch failed; retrying, the last objects seen stay served', { kind: this.label, err: message, retryMs: jittered });
    else logger.debug('list/watch failed again', { kind: this.label, err: message, retryMs: jittered });
    this.setState('failing', message);
    this.schedule(jittered);
  }

  private schedule(ms: number): void {
    this.options.clock.clearTimeout(this.retry);
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = undefined;
      if (this.current !== 'stopped') this.run();
    }, ms);
  }

  private setState(state: InformerState, error: string | undefined): void {
    if (this.current === state && this.error === error) return;
    this.current = state;
    this.error = error;
    this.options.listener.state(this);
  }

  /** Built-in kinds' list items come without apiVersion/kind; the informer knows them. */
  private typed(o: Obj): Json {
    return o.apiVersion && o.kind ? o : { ...o, apiVersion: apiVersionOf(this.kind), kind: this.kind.kind };
  }
}

/** client-node's Watch, asking for bookmarks and a server-side timeout, paced and stoppable by its informer. */
class GuardedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly owner: KindInformer,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: Obj, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (!(await this.owner.beforeWatch())) return new AbortController();
    const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.owner.watchTimeoutSeconds() };
    let ended = false;
    const controller = await super.watch(path, params, callback, (err: unknown) => {
      ended = true;
      done(err);
    });
    if (!ended) this.owner.watchConnected();
    return controller;
  }
}
