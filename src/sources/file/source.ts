/**
 * FolderSource: the embedded default source (`serve --config-dir DIR`). Owns the watches on a
 * folder and its subfolders and the last parse of every .yaml/.yml/.json file in them.
 * Receives file-system events, coalesced by a Holdoff on the injected clock; emits the whole
 * bundle (every file's objects and problems, files in path order) into the ResourceStore. A file
 * that no longer parses keeps its previous objects live, with a problem saying so. Never translates.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../clock';
import { SourceError } from '../../errors';
import type { Logger } from '../../log';
import type { Problem } from '../../model/problems';
import type { AnyResource } from '../../model/resources';
import { Holdoff } from '../../reconcile/holdoff';
import type { ResourceSource } from '../source';
import type { ResourceStore } from '../store';
import { parseResourcesReusing, PathTables, type DocumentCache } from './parse';

/**
 * A watch on one directory (not recursive): `filename` is relative to it, null when the platform
 * does not say. The folder source watches every directory of the tree itself, because Node 20's
 * recursive fs.watch on Linux stops reporting a file once an editor replaces it by a rename.
 */
export type WatchDirectory = (dir: string, onChange: (filename: string | null) => void, onError: (err: Error) => void) => { close(): void };

export const fsWatchDirectory: WatchDirectory = (dir, onChange, onError) => {
  const watcher = fs.watch(dir, { persistent: false }, (_event, filename) => onChange(filename === null ? null : String(filename)));
  watcher.on('error', onError);
  return watcher;
};

export const RESOURCE_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** Files larger than this are refused (reported) rather than parsed. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Nesting depth at which the folder walk stops (guards against symlink loops). */
const MAX_DEPTH = 16;

export interface FolderSourceOptions {
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Holdoff after the last file event (default 50 ms) and at most after the first (default 1 s). */
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  readonly watch?: WatchDirectory;
}

interface FileEntry {
  /** Stat signature (size, mtime, inode) of the content below, to skip unchanged files on rescans. */
  readonly stamp: string;
  readonly hash: string;
  readonly objects: readonly AnyResource[];
  readonly problems: readonly Problem[];
  /** Whether `objects` come from a version of the file that parsed. */
  readonly good: boolean;
  /** Its documents as last parsed, reused when the file changes (unchanged documents keep their objects). */
  readonly docs?: DocumentCache;
}

/** The files and their object lists as last published, and the concatenation published. */
interface Published {
  readonly files: readonly string[];
  readonly segments: readonly (readonly AnyResource[])[];
  readonly objects: readonly AnyResource[];
}

/** Whether a file name is one the folder source reads (hidden and editor temp files are not). */
export function isResourceFile(name: string): boolean {
  const base = path.basename(name);
  return !base.startsWith('.') && RESOURCE_EXTENSIONS.includes(path.extname(base).toLowerCase());
}

export class FolderSource implements ResourceSource {
  readonly id: string;
  private readonly holdoff: Holdoff;
  private readonly files = new Map<string, FileEntry>();
  private dirty = new Set<string>();
  private fullScan = true;
  private store: ResourceStore | undefined;
  /** One watch per directory of the tree, by path. */
  private readonly watches = new Map<string, { close(): void }>();
  private running: Promise<void> | undefined;
  private again = false;
  private watchProblem: Problem | undefined;
  private published: Published | undefined;
  /** Field path tables shared by the objects of every file. */
  private readonly pathTables = new PathTables();
  private folderProblem: Problem | undefined;
  private stopped = false;

  constructor(private readonly options: FolderSourceOptions) {
    this.id = `folder:${options.dir}`;
    this.holdoff = new Holdoff(options.clock, options.delayMs ?? 50, options.maxDelayMs ?? 1000);
  }

  async start(store: ResourceStore): Promise<void> {
    const { dir } = this.options;
    const stat = await fs.promises.stat(dir).catch((err: Error) => {
      throw new SourceError('HP_SOURCE_WATCH', `--config-dir ${dir}: ${err.message}`, { cause: err });
    });
    if (!stat.isDirectory()) throw new SourceError('HP_SOURCE_WATCH', `--config-dir ${dir}: not a directory`);
    this.store = store;
    this.stopped = false;
    this.fullScan = true;
    await this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.holdoff.cancel();
    await this.whenIdle();
    this.watchDirectories([]);
  }

  /** Resolves when no scan is running (a change still waiting in the holdoff is not waited for). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Rescans the whole folder now, after any scan in flight. */
  rescan(): Promise<void> {
    this.fullScan = true;
    return this.sync();
  }

  /** Watches exactly these directories (closing the others). */
  private watchDirectories(dirs: readonly string[]): void {
    const wanted = new Set(dirs);
    for (const [dir, handle] of this.watches) {
      if (wanted.has(dir)) continue;
      handle.close();
      this.watches.delete(dir);
    }
    const watch = this.options.watch ?? fsWatchDirectory;
    for (const dir of dirs) {
      if (this.watches.has(dir)) continue;
      try {
        this.watches.set(dir, watch(dir, (filename) => this.onEvent(dir, filename), (err) => this.onWatchError(dir, err)));
      } catch (err) {
        this.onWatchError(dir, err as Error);
      }
    }
  }

  private onEvent(dir: string, filename: string | null): void {
    if (this.stopped) return;
    if (filename !== null && isResourceFile(filename)) this.dirty.add(path.join(dir, filename));
    else this.fullScan = true; // a folder, a symlink swap (ConfigMap mounts) or an unnamed event
    this.holdoff.trigger(() => void this.sync());
  }

  private onWatchError(dir: string, err: Error): void {
    this.watches.get(dir)?.close();
    this.watches.delete(dir);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && dir !== this.options.dir) {
      this.fullScan = true; // a subfolder went away
    } else {
      this.options.logger.error('cannot watch the config folder; changes will not be seen', { code: 'HP_SOURCE_WATCH', dir, err });
      this.watchProblem = { severity: 'error', file: dir, path: '', reason: 'WatchError', message: `cannot watch the folder (${err.message}); restart healthplane to see changes` };
    }
    if (!this.stopped) this.holdoff.trigger(() => void this.sync());
  }

  /** Runs scans one at a time; a request during a scan runs one more scan after it. */
  private sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.scanOnce();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.options.logger.error('config folder scan failed', { dir: this.options.dir, err });
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async scanOnce(): Promise<void> {
    const full = this.fullScan;
    const dirty = this.dirty;
    this.fullScan = false;
    this.dirty = new Set();
    let changed = false;
    let paths: string[];
    if (full) {
      try {
        const tree = await walkFolder(this.options.dir);
        if (!this.stopped) this.watchDirectories(tree.dirs);
        paths = tree.files;
        this.folderProblem = undefined;
      } catch (err) {
        this.folderProblem = { severity: 'error', file: this.options.dir, path: '', reason: 'ReadError', message: `cannot list the folder (${(err as Error).message}); the last objects read stay served` };
        this.publish();
        return;
      }
      const present = new Set(paths);
      for (const file of [...this.files.keys()]) if (!present.has(file)) changed = this.files.delete(file) || changed;
    } else {
      paths = [...dirty].sort();
    }
    for (const file of paths) changed = (await this.refresh(file, !full)) || changed;
    if (this.stopped) return;
    this.publish();
    if (changed) this.options.logger.debug('config folder loaded', { dir: this.options.dir, files: this.files.size });
  }

  /** Re-reads one file when it changed; returns whether its entry changed. */
  private async refresh(file: string, force: boolean): Promise<boolean> {
    const previous = this.files.get(file);
    let stat: fs.BigIntStats;
    try {
      stat = await fs.promises.stat(file, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.files.delete(file);
      return this.setEntry(file, this.unreadable(file, previous, (err as Error).message));
    }
    if (stat.isDirectory()) {
      this.fullScan = true;
      this.again = true;
      return false;
    }
    const stamp = `${stat.size}:${stat.mtimeNs}:${stat.ino}`;
    if (!force && previous?.stamp === stamp) return false;
    if (stat.size > BigInt(MAX_FILE_BYTES)) return this.setEntry(file, this.unreadable(file, previous, `${stat.size} bytes is more than the ${MAX_FILE_BYTES} allowed`, stamp));
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.files.delete(file);
      return this.setEntry(file, this.unreadable(file, previous, (err as Error).message, stamp));
    }
    const hash = createHash('sha1').update(text).digest('hex');
    if (previous?.hash === hash) {
      this.files.set(file, { ...previous, stamp });
      return false;
    }
    return this.setEntry(file, this.parsed(file, text, hash, stamp, previous));
  }

  private parsed(file: string, text: string, hash: string, stamp: string, previous: FileEntry | undefined): FileEntry {
    const { objects, problems, cache } = parseResourcesReusing(text, file, previous?.docs, this.pathTables);
    const broken = problems.some((p) => p.severity === 'error' && p.ref === undefined && p.reason === 'SyntaxError');
    if (broken && previous?.good && previous.objects.length > 0) {
      return { stamp, hash, objects: previous.objects, problems: [...problems, keptProblem(file, previous.objects.length)], good: true, ...(previous.docs ? { docs: previous.docs } : {}) };
    }
    return { stamp, hash, objects, problems, good: !broken, docs: cache };
  }

  private unreadable(file: string, previous: FileEntry | undefined, reason: string, stamp = ''): FileEntry {
    const problem: Problem = { severity: 'error', file, path: '', reason: 'ReadError', message: `cannot read the file: ${reason}` };
    const kept = previous?.good && previous.objects.length > 0 ? [keptProblem(file, previous.objects.length)] : [];
    return { stamp, hash: '', objects: previous?.good ? previous.objects : [], problems: [problem, ...kept], good: previous?.good ?? false };
  }

  private setEntry(file: string, entry: FileEntry): boolean {
    this.files.set(file, entry);
    return true;
  }

  private publish(): void {
    const store = this.store;
    if (!store) return;
    const files = [...this.files.keys()].sort();
    const segments = files.map((f) => (this.files.get(f) as FileEntry).objects);
    const objects = concatenated(this.published, files, segments);
    this.published = { files, segments, objects };
    const problems = files.flatMap((f) => (this.files.get(f) as FileEntry).problems);
    for (const p of [this.folderProblem, this.watchProblem]) if (p) problems.unshift(p);
    store.replace(this.id, { objects, problems });
  }
}

/**
 * Every file's objects in file order: the previous concatenation patched in place when the same
 * files are there and each changed file kept its number of objects (a save that edits objects).
 */
function concatenated(last: Published | undefined, files: readonly string[], segments: readonly (readonly AnyResource[])[]): readonly AnyResource[] {
  const sameFiles = last !== undefined && last.files.length === files.length && last.files.every((f, i) => f === files[i]);
  if (sameFiles && segments.every((s, i) => s === last.segments[i] || s.length === last.segments[i]?.length)) {
    let out: AnyResource[] | undefined;
    let offset = 0;
    segments.forEach((s, i) => {
      if (s !== last.segments[i]) {
        out ??= last.objects.slice();
        for (let j = 0; j < s.length; j++) out[offset + j] = s[j] as AnyResource;
      }
      offset += s.length;
    });
    return out ?? last.objects;
  }
  const out: AnyResource[] = [];
  for (const s of segments) for (const o of s) out.push(o);
  return out;
}

function keptProblem(file: string, count: number): Problem {
  return {
    severity: 'warning',
    file,
    path: '',
    reason: 'LastGoodFileServed',
    message: `the file no longer parses; its last good version (${count} object${count === 1 ? '' : 's'}) stays served until it is fixed`,
  };
}

/** Every resource file under `dir`, recursively (hidden entries skipped, symlinks followed), sorted. */
export async function listResourceFiles(dir: string): Promise<string[]> {
  return (await walkFolder(dir)).files;
}

/** The resource files and the directories (`dir` first) of a tree; throws when `dir` cannot be read. */
async function walkFolder(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const out: string[] = [];
  const dirs: string[] = [];
  const walk = async (at: string, depth: number): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(at, { withFileTypes: true });
    } catch (err) {
      if (depth === 0) throw err;
      return;
    }
    dirs.push(at);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(at, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await fs.promises.stat(full).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir && depth < MAX_DEPTH) await walk(full, depth + 1);
      else if (isFile && isResourceFile(entry.name)) out.push(full);
    }
  };
  await walk(dir, 0);
  return { files: out.sort(), dirs };
}
