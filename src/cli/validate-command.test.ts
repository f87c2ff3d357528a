import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type MainIo } from '../main';
import { formatProblem, sortProblems } from './format-problem';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: MainIo = { env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), onSignal: () => () => undefined };
  const code = await run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{name: http, port: 80}]\n';
const UPSTREAM = (extra: string): string => `apiVersion: gloo.solo.io/v1
kind: Upstream
metadata: {name: up, namespace: apps}
spec:
  static: {hosts: [{addr: 10.0.0.1, port: 80}]}
${extra}`;

describe('healthplane validate', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-validate-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('says so and exits 0 when there is nothing to report', async () => {
    const r = await cli('validate', '-f', write('ok.yaml', SERVICE));
    expect(r).toEqual({ code: 0, stdout: 'no problems found\n', stderr: '' });
  });

  it('prints warnings and exits 0 when there is no error', async () => {
    const f = write('warn.yaml', UPSTREAM('  outlierDetection: {consecutive5xx: 3, interval: 10s, maxEjectionPercent: 10}\n'));
    const r = await cli('validate', '-f', f);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${f}:6: warning: Upstream/apps/up spec.outlierDetection.maxEjectionPercent: .*never ejects.*\\(NeverEjects\\)$`, 'm'));
    expect(r.stdout).toMatch(/^0 errors, [1-9]\d* warnings?\n$/m);
  });

  it('prints every error and warning of every file, in file and line order, and exits 1 on any error', async () => {
    const a = write('a.yaml', UPSTREAM('  healthChecks:\n  - {timeout: 1s, httpHealthCheck: {path: /h}, unhealthyThreshold: 1, healthyThreshold: 1}\n'));
    const b = write('b.yaml', 'kind: [\n');
    const r = await cli('validate', dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.some((l) => l.startsWith(`${a}:7: error: Upstream/apps/up spec.healthChecks[0].interval: `))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${b}:`) && l.endsWith('(SyntaxError)'))).toBe(true);
    const firstB = lines.findIndex((l) => l.startsWith(b));
    expect(lines.slice(0, firstB).every((l) => l.startsWith(a))).toBe(true);
    expect(lines.at(-1)).toMatch(/^[1-9]\d* errors?, \d+ warnings?$/);
  });

  it('has --help', async () => {
    const r = await cli('validate', '--help');
    expect(r.stdout).toMatch(/^Usage: healthplane validate -f PATH\.\.\./);
  });
});

describe('formatProblem / sortProblems', () => {
  it('formats file:line, severity, object, field path, message and reason; leaves out what is missing', () => {
    expect(formatProblem({ severity: 'error', ref: { kind: 'Upstream', namespace: 'ns', name: 'u' }, file: 'a.yaml', line: 3, path: 'spec.x', reason: 'Invalid', message: 'bad' })).toBe(
      'a.yaml:3: error: Upstream/ns/u spec.x: bad (Invalid)',
    );
    expect(formatProblem({ severity: 'warning', ref: { kind: 'GatewayClass', namespace: '', name: 'gc' }, path: '', reason: 'R', message: 'm' })).toBe('warning: GatewayClass/gc: m (R)');
    expect(formatProblem({ severity: 'error', file: 'b.yaml', path: '', reason: 'ReadError', message: 'cannot read' })).toBe('b.yaml: error: cannot read (ReadError)');
  });

  it('sorts by file, then line', () => {
    const p = (file: string, line: number) => ({ severity: 'error' as const, file, line, path: '', reason: 'R', message: `${file}:${line}` });
    expect(sortProblems([p('b', 1), p('a', 9), p('a', 2)]).map((x) => x.message)).toEqual(['a:2', 'a:9', 'b:1']);
  });
});
