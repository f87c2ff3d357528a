// The external tools of the proxy benchmark: wrk, HAProxy and nginx from Debian, installed with
// apt-get when missing (`apt-get update` once first), plus the machine and version facts that
// docs/benchmarks.md records. Never starts or stops system services; only checks and installs.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const PACKAGES = { wrk: 'wrk', haproxy: 'haproxy', nginx: 'nginx-light' };
const BINARIES = { wrk: 'wrk', haproxy: 'haproxy', nginx: 'nginx' };

function which(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** Installs the missing tools (names of PACKAGES); throws if they are still missing after. */
export function ensureTools(names) {
  const missing = names.filter((n) => !which(BINARIES[n]));
  if (missing.length === 0) return;
  process.stderr.write(`proxy bench: installing ${missing.map((n) => PACKAGES[n]).join(', ')} with apt-get\n`);
  // policy-rc.d on the bench machines keeps the packaged services from starting; we never use them.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
  run(['update', '-qq']);
  run(['install', '-y', '-qq', '--no-install-recommends', ...missing.map((n) => PACKAGES[n])]);
  const still = missing.filter((n) => !which(BINARIES[n]));
  if (still.length > 0) throw new Error(`could not install ${still.join(', ')} (apt-get install ${still.map((n) => PACKAGES[n]).join(' ')})`);
}

export function binary(name) {
  return which(BINARIES[name]) ?? BINARIES[name];
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim()) ?? '?';
}

/** Machine and version facts for the results. */
export function machineFacts() {
  const cpuModel = os.cpus()[0]?.model ?? '?';
  let memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  try {
    memory = execFileSync('free', ['-h'], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/)[1];
  } catch {
    // keep os.totalmem()
  }
  return {
    date: new Date().toISOString(),
    nproc: firstLine('nproc', []),
    cpuModel,
    memory,
    kernel: os.release(),
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    node: process.version,
    wrk: which('wrk') ? firstLine('wrk', ['-v']).replace(/ Copyright.*/, '') : 'not installed',
    haproxy: which('haproxy') ? firstLine('haproxy', ['-v']).replace(/ - https.*/, '') : 'not installed',
    nginx: which('nginx') ? firstLine('nginx', ['-v']) : 'not installed',
    os: fs.existsSync('/etc/os-release') ? (/PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '?') : '?',
  };
}
