/**
 * Resources files: Envoy resources written in Envoy's JSON form (JSON or YAML, top-level keys
 * clusters, endpoints, listeners, routes) read into XdsResources, and watched for changes.
 * Receives a path (or text); emits XdsResources or every problem found, each naming the file, line,
 * resource (`clusters[2]`) and field path. Never throws on bad content and never publishes: the
 * caller decides what a good load means (see publishResources).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { closest } from '../options';
import { Holdoff } from '../reconcile/holdoff';
import { DEFAULT_GROUP } from './cache/node-hash';
import type { SetSnapshotResult, SnapshotCache } from './cache/snapshot-cache';
import { EnvoyJsonError, fromEnvoyJson } from './envoy-json';
import { ProtoShapeError, encodeMessage } from './proto';
import { buildSnapshot, type XdsResources } from './snapshot-builder';
import { TypeUrl } from './type-urls';

export type ResourcesLoad = { readonly ok: true; readonly resources: XdsResources } | { readonly ok: false; readonly errors: readonly string[] };

/** The top-level keys, the message each holds, and the field that names a resource. */
const SECTIONS = [
  { key: 'clusters', message: 'envoy.config.cluster.v3.Cluster', typeUrl: TypeUrl.Cluster, nameField: 'name' },
  { key: 'endpoints', message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', typeUrl: TypeUrl.Endpoint, nameField: 'cluster_name' },
  { key: 'listeners', message: 'envoy.config.listener.v3.Listener', typeUrl: TypeUrl.Listener, nameField: 'name' },
  { key: 'routes', message: 'envoy.config.route.v3.RouteConfiguration', typeUrl: TypeUrl.Route, nameField: 'name' },
] as const;

type SectionKey = (typeof SECTIONS)[number]['key'];

/** Files larger than this are refused rather than parsed. */
export const MAX_RESOURCES_FILE_BYTES = 64 * 1024 * 1024;

/** Reads and parses a resources file; I/O failures are reported like parse errors. */
export async function loadResourcesFile(file: string): Promise<ResourcesLoad> {
  try {
    const stat = await fs.promises.stat(file);
    if (stat.size > MAX_RESOURCES_FILE_BYTES) return { ok: false, errors: [`${file}: ${stat.size} bytes is more than the ${MAX_RESOURCES_FILE_BYTES} allowed`] };
    return parseResources(await fs.promises.readFile(file, 'utf8'), file);
  } catch (err) {
    return { ok: false, errors: [`${file}: cannot read: ${(err as Error).message}`] };
  }
}

/** Parses resources text (`source` names it in messages). */
export function parseResources(text: string, source: string): ResourcesLoad {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  if (docs.length === 0) return { ok: true, resources: { clusters: [], endpoints: [], listeners: [], routes: [] } };
  if (docs.length > 1) return { ok: false, errors: [`${source}: expected one document, found ${docs.length}`] };
  const doc = docs[0] as Document;
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `${source}: ${firstLine(e.message)}`) };
  const top: unknown = doc.toJS({ maxAliasCount: 100 });
  const errors: string[] = [];
  if (top !== null && top !== undefined && !isRecord(top)) {
    return { ok: false, errors: [`${source}: expected a mapping with keys ${SECTIONS.map((s) => s.key).join(', ')}`] };
  }
  const record = top ?? {};
  const keys = SECTIONS.map((s) => s.key as string);
  for (const key of Object.keys(record)) {
    if (keys.includes(key)) continue;
    const hint = closest(key, keys);
    errors.push(`${source}: unknown top-level key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; expected ${keys.join(', ')}`);
  }
  const out: Record<SectionKey, Record<string, unknown>[]> = { clusters: [], endpoints: [], listeners: [], routes: [] };
  for (const section of SECTIONS) {
    const lineOf = (i: number): string => {
      const node = doc.getIn([section.key, i], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? `${source}:${lines.linePos(node.range[0]).line}` : source;
    };
    out[section.key] = readSection(section, record[section.key], lineOf, (msg) => errors.push(msg), source);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, resources: out as unknown as XdsResources };
}

/** One top-level list: each item converted from Envoy JSON, named, and unique by name. */
function readSection(
  section: (typeof SECTIONS)[number],
  list: unknown,
  lineOf: (index: number) => string,
  report: (msg: string) => void,
  source: string,
): Record<string, unknown>[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    report(`${source}: ${section.key}: expected a list`);
    return [];
  }
  const out: Record<string, unknown>[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, i) => {
    const at = `${section.key}[${i}]`;
    const converted = convertResource(section, item, at, (msg) => report(`${lineOf(i)}: ${msg}`));
    if (!converted) return;
    const name = converted[section.nameField];
    if (typeof name !== 'string' || name === '') {
      report(`${lineOf(i)}: ${at}.${section.nameField}: required`);
      return;
    }
    const previous = seen.get(name);
    if (previous !== undefined) report(`${lineOf(i)}: ${at}: duplicate ${section.nameField} "${name}" (also ${section.key}[${previous}])`);
    seen.set(name, i);
    out.push(converted);
  });
  return out;
}

function convertResource(section: (typeof SECTIONS)[number], item: unknown, at: string, report: (msg: string) => void): Record<string, unknown> | undefined {
  if (!isRecord(item)) {
    report(`${at}: expected a mapping (a ${section.message.split('.').pop() ?? 'resource'})`);
    return undefined;
  }
  const { '@type': type, ...rest } = item;
  if (type !== undefined && type !== section.typeUrl) {
    report(`${at}.@type: "${String(type)}" does not belong under ${section.key} (expected ${section.typeUrl})`);
    return undefined;
  }
  try {
    const converted = fromEnvoyJson(section.message, rest);
    encodeMessage(section.message, converted);
    return converted;
  } catch (err) {
    if (err instanceof EnvoyJsonError) report(`${at}.${err.path}: ${err.reason}`);
    else if (err instanceof ProtoShapeError) report(`${at}: ${err.problems.join('; ')}`);
    else report(`${at}: ${(err as Error).message}`);
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

export type PublishOutcome =
  | { readonly status: 'published' | 'unchanged'; readonly id: number; readonly resources: number }
  | { readonly status: 'rejected'; readonly code: 'HP_SOURCE_PARSE' | 'HP_SNAPSHOT_INVALID' | 'HP_SNAPSHOT_INCONSISTENT'; readonly problems: readonly string[] };

/**
 * Builds a snapshot from a load and publishes it under `group` (DEFAULT_GROUP by default). Any
 * failure leaves the cache's current snapshot live and is returned, never thrown.
 */
export function publishResources(cache: SnapshotCache, load: ResourcesLoad, group: string = DEFAULT_GROUP): PublishOutcome {
  if (!load.ok) return { status: 'rejected', code: 'HP_SOURCE_PARSE', problems: load.errors };
  let snapshot;
  try {
    snapshot = buildSnapshot(load.resources);
  } catch (err) {
    const problems = err instanceof ProtoShapeError ? [...err.problems] : [(err as Error).message];
    return { status: 'rejected', code: 'HP_SNAPSHOT_INVALID', problems };
  }
  const result: SetSnapshotResult = cache.setSnapshot(group, snapshot);
  if (result.status === 'rejected') return { status: 'rejected', code: 'HP_SNAPSHOT_INCONSISTENT', problems: result.problems };
  return { status: result.status, id: result.id, resources: snapshot.size() };
}

/** A directory watch (fs.watch by default; tests inject their own). */
export type WatchDirectory = (dir: string, onChange: (filename: string | null) => void, onError: (err: Error) => void) => { close(): void };

const fsWatchDirectory: WatchDirectory = (dir, onChange, onError) => {
  const watcher = fs.watch(dir, { persistent: false }, (_event, filename) => onChange(filename === null ? null : String(filename)));
  watcher.on('error', onError);
  return watcher;
};

export interface ResourcesFileWatcherOptions {
  readonly file: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called with every load after a change (coalesced by a holdoff). */
  readonly onLoad: (load: ResourcesLoad) => void;
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  readonly watch?: WatchDirectory;
}

/**
 * Watches a resources file's directory (editors replace files rather than write them in place)
 * and reloads the file after a burst of changes settles. Reloads never overlap.
 */
export class ResourcesFileWatcher {
  private readonly holdoff: Holdoff;
  private handle: { close(): void } | undefined;
  private loading: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: ResourcesFileWatcherOptions) {
    this.holdoff = new Holdoff(options.clock, options.delayMs ?? 100, options.maxDelayMs ?? 1000);
  }

  start(): void {
    const { file } = this.options;
    const base = path.basename(file);
    const watch = this.options.watch ?? fsWatchDirectory;
    this.handle = watch(
      path.dirname(file),
      (filename) => {
        if (filename === null || filename === base) this.holdoff.trigger(() => void this.reload());
      },
      (err) => this.options.logger.error('cannot watch the resources file; changes will not be seen', { code: 'HP_SOURCE_WATCH', file, err }),
    );
  }

  stop(): void {
    this.holdoff.cancel();
    this.handle?.close();
    this.handle = undefined;
  }

  /** Resolves when no reload is running (for tests and orderly shutdown). */
  whenIdle(): Promise<void> {
    return this.loading ?? Promise.resolve();
  }

  /** Loads the file now (after any load in flight) and hands the result to onLoad. */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        const load = await loadResourcesFile(this.options.file);
        try {
          this.options.onLoad(load);
        } catch (err) {
          this.options.logger.error('resources reload failed', { file: this.options.file, err });
        }
      } while (this.again);
      this.loading = undefined;
    })();
    return this.loading;
  }
}
