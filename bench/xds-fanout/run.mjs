#!/usr/bin/env node
// xds-fanout: N raw ADS clients (separate process) x M clusters against the real AdsServer; times
// how long one endpoint change takes to reach and be ACKed by every client. Entry point:
//   node bench/xds-fanout/run.mjs [--clients N] [--clusters M] [--mode sotw|delta|both] [--changes K]
// `--mode both` runs each protocol in a fresh process so their memory peaks stay separate.
// See docs/benchmarks.md for every option and the recorded results.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureMode } from './measure-mode.mjs';
import { markdownReport, textReport } from './report.mjs';

const OPTIONS = {
  clients: { type: 'string', default: '1000' },
  clusters: { type: 'string', default: '1000' },
  endpoints: { type: 'string', default: '3' },
  mode: { type: 'string', default: 'both' },
  changes: { type: 'string', default: '5' },
  'converge-timeout-s': { type: 'string', default: '300' },
  'change-timeout-s': { type: 'string', default: '60' },
  'settle-ms': { type: 'string', default: '500' },
  'max-receive-bytes': { type: 'string', default: '0' },
  'connect-batch': { type: 'string', default: '50' },
  'connect-interval-ms': { type: 'string', default: '10' },
  'with-registry': { type: 'boolean', default: false },
  dist: { type: 'string' },
  profile: { type: 'string' },
  'profile-clients': { type: 'boolean', default: false },
  json: { type: 'string' },
  markdown: { type: 'boolean', default: false },
  'ipc-result': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const USAGE = `usage: node bench/xds-fanout/run.mjs [options]
  --clients N              ADS clients, each its own connection (default 1000)
  --clusters M             EDS clusters every client subscribes to (default 1000)
  --endpoints E            endpoints per cluster (default 3)
  --mode sotw|delta|both   protocol (default both; each mode in a fresh process)
  --changes K              endpoint changes measured one after another (default 5)
  --converge-timeout-s S   bound on initial convergence (default 300)
  --change-timeout-s S     bound on each change (default 60)
  --settle-ms MS           pause after convergence and between changes (default 500)
  --max-receive-bytes B    client grpc.max_receive_message_length (default 0 = grpc-js default, 4 MiB)
  --dist DIR               measure another build of src/ (default ./dist)
  --with-registry          also run the ClientRegistry hooks (what /xds/clients and CSDS use)
  --profile DIR            write a CPU profile of the server's change phase to DIR
  --profile-clients        with --profile: also profile the whole client process
  --json FILE              write all results as JSON
  --markdown               also print a Markdown summary (for docs/benchmarks.md)`;

function int(values, name, min) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${values[name]}`);
  return n;
}

function parse(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (!['sotw', 'delta', 'both'].includes(values.mode)) throw new Error(`--mode must be sotw, delta or both, got ${values.mode}`);
  return {
    help: values.help,
    mode: values.mode,
    clients: int(values, 'clients', 1),
    clusters: int(values, 'clusters', 1),
    endpoints: int(values, 'endpoints', 1),
    changes: int(values, 'changes', 1),
    convergeTimeoutMs: int(values, 'converge-timeout-s', 1) * 1000,
    changeTimeoutMs: int(values, 'change-timeout-s', 1) * 1000,
    settleMs: int(values, 'settle-ms', 0),
    maxReceiveBytes: int(values, 'max-receive-bytes', 0),
    connectBatch: int(values, 'connect-batch', 1),
    connectIntervalMs: int(values, 'connect-interval-ms', 0),
    withRegistry: values['with-registry'],
    distDir: values.dist,
    profileDir: values.profile,
    profileClients: values['profile-clients'],
    json: values.json,
    markdown: values.markdown,
    ipcResult: values['ipc-result'],
  };
}

/** Upper bound on one mode's run; past it the process gives up (exit code 3). */
function deadlineMs(opts) {
  return opts.convergeTimeoutMs + opts.changes * (opts.changeTimeoutMs + opts.settleMs + 30_000) + 60_000;
}

function runModeInChild(argv, mode, opts) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...argv, '--mode', mode, '--ipc-result'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
    let result = null;
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), deadlineMs(opts) + 10_000);
    child.on('message', (msg) => {
      result = msg;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${mode} run ended without a result (exit ${code}, signal ${signal})`));
    });
  });
}

async function main(argv) {
  const opts = parse(argv);
  if (opts.help) return void process.stdout.write(`${USAGE}\n`);
  let results;
  if (opts.mode === 'both') {
    const childArgv = argv.filter((a, i) => !['--mode', '--json', '--markdown'].includes(a) && !['--mode', '--json'].includes(argv[i - 1]));
    results = [];
    for (const mode of ['sotw', 'delta']) results.push(await runModeInChild(childArgv, mode, opts));
  } else {
    const watchdog = setTimeout(() => {
      process.stderr.write(`xds-fanout: ${opts.mode} run exceeded ${deadlineMs(opts)} ms; giving up\n`);
      process.exit(3);
    }, deadlineMs(opts));
    watchdog.unref();
    results = [await measureMode(opts)];
  }
  if (opts.ipcResult) {
    process.stdout.write(`${textReport(results[0])}\n`);
    await new Promise((resolve) => process.send(results[0], resolve));
    process.exitCode = results[0].ok ? 0 : 1;
    return;
  }
  if (opts.mode !== 'both') process.stdout.write(`${textReport(results[0])}\n`);
  if (opts.markdown) process.stdout.write(`\n${markdownReport(results)}\n`);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ at: new Date().toISOString(), argv, results }, null, 2));
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`xds-fanout: ${err?.stack ?? err}\n`);
  process.exitCode = 2;
});
