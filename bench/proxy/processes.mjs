// Child processes of the proxy benchmark: every process the bench starts (upstreams, proxies,
// load generators, wrk) goes through spawnTracked, so it can be stopped by its own pid, and all of
// them are stopped when the bench ends or is interrupted. Never signals a process it did not start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const tracked = new Map();

/**
 * Starts a process; returns { child, pid, name, exited (a promise of { code, signal }), output() }.
 * stdout/stderr are kept (last 64 KiB) for error messages; `onLine` sees every stdout line.
 */
export function spawnTracked(command, args, { name = command, cwd, env, onLine, onErrLine } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { name, child, out: '', err: '' };
  tracked.set(child.pid, entry);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      tracked.delete(child.pid);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      tracked.delete(child.pid);
      resolve({ code: null, signal: null, error: err });
    });
  });
  lines(child.stdout, (line) => {
    entry.out = keepTail(`${entry.out}${line}\n`);
    onLine?.(line);
  });
  lines(child.stderr, (line) => {
    entry.err = keepTail(`${entry.err}${line}\n`);
    onErrLine?.(line);
  });
  entry.proc = { child, pid: child.pid, name, exited, output: () => ({ stdout: entry.out, stderr: entry.err }) };
  return entry.proc;
}

function keepTail(text) {
  return text.length > 65536 ? text.slice(-65536) : text;
}

function lines(stream, fn) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      fn(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  });
  stream.on('end', () => buffered && fn(buffered));
}

/** The live descendants of pid (from /proc), deepest first: nginx's workers, for instance. */
function descendants(pid) {
  const out = [];
  let children = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      children.push(...fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    children = [];
  }
  for (const c of children) out.push(...descendants(c), c);
  return out;
}

/** SIGKILLs a tracked process and everything it started (so no worker is left orphaned). */
function killTree(pid) {
  for (const p of [...descendants(pid), pid]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Sends `signal` to one tracked process and waits (bounded) for it to exit; SIGKILL after graceMs. */
export async function stopProcess(proc, { signal = 'SIGTERM', graceMs = 3000 } = {}) {
  if (!proc || !tracked.has(proc.pid)) return proc ? proc.exited : undefined;
  try {
    process.kill(proc.pid, signal);
  } catch {
    return proc.exited;
  }
  const timer = setTimeout(() => {
    if (tracked.has(proc.pid)) killTree(proc.pid);
  }, graceMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return result;
}

/** Stops every process this bench started (each by its pid). */
export async function stopAll() {
  await Promise.all([...tracked.values()].map((e) => stopProcess(e.proc)));
}

/** Makes SIGINT/SIGTERM and normal exit stop every tracked process. */
export function installCleanup() {
  const hard = () => {
    for (const pid of tracked.keys()) killTree(pid);
  };
  process.once('exit', hard);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      hard();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; good enough on a quiet box). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** n distinct free ports. */
export async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after timeoutMs. */
export async function waitForPort(port, timeoutMs = 10_000, proc) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !tracked.has(proc.pid)) throw new Error(`${proc.name} exited before listening on ${port}: ${proc.output().stderr.slice(-2000)}`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms${proc ? ` (${proc.name}: ${proc.output().stderr.slice(-2000)})` : ''}`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
