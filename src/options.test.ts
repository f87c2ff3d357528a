import { ConfigError } from './errors';
import { closest, helpText, parseOptions, type ServeOptions } from './options';

function problemsOf(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    parseOptions(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${argv.join(' ')}`);
}

function serve(argv: string[], env: Record<string, string> = {}): ServeOptions {
  const o = parseOptions(['serve', ...argv], env);
  if (o.command !== 'serve') throw new Error(`expected serve, got ${o.command}`);
  return o;
}

describe('parseOptions', () => {
  it('applies the documented defaults for serve', () => {
    expect(serve([])).toEqual({
      command: 'serve',
      xds: { address: '0.0.0.0', port: 18000 },
      admin: { address: '127.0.0.1', port: 19000 },
      nodeHash: 'cluster',
      xdsResources: undefined,
      configDir: undefined,
      gatewayClass: undefined,
      controlPlaneId: undefined,
      proxy: undefined,
      outlierEventLog: undefined,
      demoUpstreams: [],
      logLevel: 'info',
      traces: [],
    });
  });

  it('reads every serve flag, in both --flag value and --flag=value forms', () => {
    const o = serve([
      '--xds-port', '0', '--xds-address=127.0.0.1', '--admin-port=19001', '--admin-address', '::1',
      '--node-hash', 'id', '--xds-resources', 'r.yaml', '--control-plane-id', 'cp-1', '--log-level=debug',
    ]);
    expect(o.xds).toEqual({ address: '127.0.0.1', port: 0 });
    expect(o.admin).toEqual({ address: '::1', port: 19001 });
    expect(o.nodeHash).toBe('id');
    expect(o.xdsResources).toBe('r.yaml');
    expect(o.controlPlaneId).toBe('cp-1');
    expect(o.logLevel).toBe('debug');
  });

  it('freezes the result deeply', () => {
    const o = serve([]);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.xds)).toBe(true);
    expect(Object.isFrozen(o.traces)).toBe(true);
  });

  it('collects every problem into one ConfigError, each naming its flag', () => {
    const problems = problemsOf(['serve', '--xds-port', '70000', '--node-hash', 'pod', '--log-level', 'loud', '--xds-resources']);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^--xds-port: "70000" is not a port/);
    expect(problems[1]).toMatch(/^--node-hash: "pod" is not one of cluster, id/);
    expect(problems[2]).toMatch(/^--log-level: "loud"/);
    expect(problems[3]).toMatch(/^--xds-resources: needs a value/);
  });

  it('carries the HP_CONFIG_INVALID code', () => {
    expect(() => parseOptions(['serve', '--nope'], {})).toThrow(expect.objectContaining({ code: 'HP_CONFIG_INVALID' }));
  });

  it.each([
    [['serve', '--xds-prot', '1'], '--xds-prot: unknown flag for "serve" (did you mean --xds-port?)'],
    [['serve', '--adminport=1'], '--adminport: unknown flag for "serve" (did you mean --admin-port?)'],
    [['serve', '--node-hash', 'clustr'], '--node-hash: "clustr" is not one of cluster, id (did you mean "cluster"?)'],
    [['srve'], 'unknown command "srve" (did you mean "serve"?); run "healthplane help"'],
    [['serve', '--frobnicate'], '--frobnicate: unknown flag for "serve"'],
    [['serve', '--port', '1'], '--port: unknown flag for "serve" (did you mean --xds-port?)'],
    [['serve', '--resources=r.yaml'], '--resources: unknown flag for "serve" (did you mean --xds-resources?)'],
    [['version', '--port', '1'], '--port: unknown flag for "version"'],
  ])('hints at close misspellings: %j', (argv, expected) => {
    expect(problemsOf(argv)).toEqual([expected]);
  });

  it('rejects repeated flags, stray arguments, bad addresses and equal ports', () => {
    expect(problemsOf(['serve', '--xds-port', '1', '--xds-port', '2'])).toEqual(['--xds-port: given more than once']);
    expect(problemsOf(['serve', 'extra'])).toEqual(['unexpected argument "extra" for "serve"']);
    expect(problemsOf(['serve', '--xds-address', 'not an address'])[0]).toMatch(/^--xds-address: /);
    expect(problemsOf(['serve', '--xds-port', '9000', '--admin-port', '9000'])[0]).toMatch(/^--admin-port: 9000 is also the --xds-port/);
    expect(problemsOf(['serve', '--help=yes'])).toEqual(['--help: takes no value']);
  });

  it('allows port 0 for both servers', () => {
    const o = serve(['--xds-port', '0', '--admin-port', '0']);
    expect([o.xds.port, o.admin.port]).toEqual([0, 0]);
  });

  it('takes the log level and traces from the environment, flags first', () => {
    expect(serve([], { HEALTHPLANE_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(serve(['--log-level', 'error'], { HEALTHPLANE_LOG_LEVEL: 'warn' }).logLevel).toBe('error');
    expect(serve([], { HEALTHPLANE_TRACE: 'xds, xds:wire,' }).traces).toEqual(['xds', 'xds:wire']);
    expect(problemsOf(['serve'], { HEALTHPLANE_LOG_LEVEL: 'chatty' })[0]).toMatch(/^HEALTHPLANE_LOG_LEVEL: /);
  });

  it('parses quickstart with the serve flags', () => {
    const o = parseOptions(['quickstart', '--admin-port', '0'], {});
    expect(o).toMatchObject({ command: 'quickstart', admin: { port: 0 } });
  });

  it('gives quickstart the proxy on 10000, demo upstreams on 9001-9003 and the outlier log on stdout', () => {
    expect(parseOptions(['quickstart'], {})).toEqual({
      command: 'quickstart',
      xds: { address: '0.0.0.0', port: 18000 },
      admin: { address: '127.0.0.1', port: 19000 },
      nodeHash: 'cluster',
      proxy: { port: 10000, address: '0.0.0.0', lbPolicy: undefined },
      outlierEventLog: '/dev/stdout',
      demoUpstreams: [9001, 9002, 9003],
      logLevel: 'info',
      traces: [],
    });
    const o = parseOptions(['quickstart', '--proxy-port', '0', '--xds-port', '0', '--admin-port', '0', '--demo-ports', '9101,9102', '--config-dir', 'qs', '--outlier-event-log', '/dev/null'], {});
    expect(o).toMatchObject({ proxy: { port: 0 }, xds: { port: 0 }, admin: { port: 0 }, demoUpstreams: [9101, 9102], configDir: 'qs', outlierEventLog: '/dev/null' });
    expect(parseOptions(['quickstart', '--demo-ports', 'none'], {})).toMatchObject({ demoUpstreams: [] });
  });

  it('refuses bad or clashing quickstart ports, and --xds-resources', () => {
    expect(problemsOf(['quickstart', '--demo-ports', '9001,0,x,9001'])).toEqual([
      expect.stringMatching(/^--demo-ports: "0" is not a port \(1-65535\)/),
      expect.stringMatching(/^--demo-ports: "x" is not a port/),
      '--demo-ports: 9001 is listed twice',
    ]);
    expect(problemsOf(['quickstart', '--proxy-port', '19000'])).toEqual(['--proxy-port: 19000 is also the --admin-port; give every server its own port']);
    expect(problemsOf(['quickstart', '--demo-ports', '10000'])).toEqual(['--demo-ports: 10000 is also the --proxy-port; give every server its own port']);
    expect(problemsOf(['quickstart', '--xds-resources', 'r.yaml'])[0]).toMatch(/^--xds-resources: unknown flag for "quickstart"/);
  });

  it('runs the native proxy with --proxy-port (one port) or --proxy (listener ports), only with --config-dir', () => {
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000', '--lb-policy', 'least-request', '--outlier-event-log', 'ev.log'])).toMatchObject({
      proxy: { port: 8000, address: '0.0.0.0', lbPolicy: 'least-request' },
      outlierEventLog: 'ev.log',
      demoUpstreams: [],
    });
    expect(serve(['--config-dir', 'd', '--proxy', '--proxy-address', '127.0.0.1']).proxy).toEqual({ port: undefined, address: '127.0.0.1', lbPolicy: undefined });
    expect(problemsOf(['serve', '--proxy-port', '0'])).toEqual([expect.stringMatching(/^--proxy-port: the native proxy serves the routes of --config-dir or --kubernetes; give one of them/)]);
    expect(problemsOf(['serve', '--xds-resources', 'r.yaml', '--proxy'])).toEqual([expect.stringMatching(/^--proxy: the native proxy serves the routes of --config-dir or --kubernetes/)]);
    expect(serve(['--kubernetes', '--proxy-port', '8000']).proxy).toEqual({ port: 8000, address: '0.0.0.0', lbPolicy: undefined });
    expect(problemsOf(['serve', '--config-dir', 'd', '--lb-policy', 'random', '--outlier-event-log', 'x'])).toEqual([
      '--lb-policy: only applies to the native proxy; add --proxy-port PORT (or --proxy)',
      '--outlier-event-log: only applies to the native proxy; add --proxy-port PORT (or --proxy)',
    ]);
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy-port', '18000'])).toEqual(['--proxy-port: 18000 is also the --xds-port; give every server its own port']);
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy', '--lb-policy', 'rr'])[0]).toMatch(/^--lb-policy: "rr" is not one of round-robin, least-request, random/);
  });

  it('watches the cluster with --kubernetes, --kubeconfig and repeated --namespace', () => {
    expect(serve([]).kubernetes).toBeUndefined();
    expect(serve(['--kubernetes']).kubernetes).toEqual({ kubeconfig: undefined, namespaces: [], election: {} });
    expect(serve(['--kubernetes', '--kubeconfig', 'kc.yaml', '--namespace', 'a', '--namespace=b-2']).kubernetes).toEqual({ kubeconfig: 'kc.yaml', namespaces: ['a', 'b-2'], election: {} });
    expect(problemsOf(['serve', '--kubernetes', '--config-dir', 'd', '--xds-resources', 'r.yaml'])).toEqual([
      '--config-dir: cannot be combined with --xds-resources; both would publish the same snapshot, so give one of them',
      '--kubernetes: cannot be combined with --config-dir; both would publish the same snapshot, so give one of them',
      '--kubernetes: cannot be combined with --xds-resources; both would publish the same snapshot, so give one of them',
    ]);
    expect(problemsOf(['serve', '--kubeconfig', 'kc', '--namespace', 'a'])).toEqual(['--kubeconfig: only applies with --kubernetes', '--namespace: only applies with --kubernetes']);
    expect(problemsOf(['serve', '--kubernetes', '--namespace', 'Bad_NS', '--namespace', 'a', '--namespace', 'a'])).toEqual([
      expect.stringMatching(/^--namespace: "Bad_NS" is not a namespace name/),
      '--namespace: a is listed twice',
    ]);
    expect(problemsOf(['quickstart', '--kubernetes'])[0]).toMatch(/^--kubernetes: unknown flag for "quickstart"/);
  });

  it('takes hidden Lease timings, checked against each other and kept out of the help', () => {
    const o = serve(['--kubernetes', '--lease-duration', '3s', '--lease-renew-deadline', '2s', '--lease-retry-period', '500ms']);
    expect(o.kubernetes?.election).toEqual({ leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    expect(serve(['--kubernetes', '--lease-duration', '1m']).kubernetes?.election).toEqual({ leaseDurationMs: 60_000 });
    expect(problemsOf(['serve', '--kubernetes', '--lease-duration', '3s'])).toEqual([expect.stringMatching(/^--lease-duration: needs lease duration > renew deadline > retry period, got 3000 ms, 10000 ms, 2000 ms/)]);
    expect(problemsOf(['serve', '--kubernetes', '--lease-retry-period', '2'])).toEqual(['--lease-retry-period: "2" is not a duration (e.g. 500ms, 2s, 1m)']);
    expect(problemsOf(['serve', '--lease-duration', '3s'])).toEqual(['--lease-duration: only applies with --kubernetes']);
    const help = helpText('serve');
    expect(help).toMatch(/--kubernetes\s/);
    expect(help).toMatch(/--namespace NS\s/);
    expect(help).not.toMatch(/lease-/);
  });

  it('parses demo-upstream: --port required, --host and --name optional', () => {
    expect(parseOptions(['demo-upstream', '--port', '9001'], {})).toEqual({ command: 'demo-upstream', port: 9001, host: '127.0.0.1', name: undefined, logLevel: 'info' });
    expect(parseOptions(['demo-upstream', '--port=0', '--host', '::1', '--name', 'b'], { HEALTHPLANE_LOG_LEVEL: 'warn' })).toEqual({ command: 'demo-upstream', port: 0, host: '::1', name: 'b', logLevel: 'warn' });
    expect(problemsOf(['demo-upstream'])).toEqual(['--port: required (the port to listen on; 0 picks a free one)']);
  });

  it('turns --help, -h, no command and "help X" into help options', () => {
    expect(parseOptions([], {})).toEqual({ command: 'help', topic: undefined });
    expect(parseOptions(['--help'], {})).toEqual({ command: 'help', topic: undefined });
    expect(parseOptions(['serve', '--help'], {})).toEqual({ command: 'help', topic: 'serve' });
    expect(parseOptions(['serve', '-h', '--xds-port', '0'], {})).toEqual({ command: 'help', topic: 'serve' });
    expect(parseOptions(['help', 'quickstart'], {})).toEqual({ command: 'help', topic: 'quickstart' });
    expect(problemsOf(['help', 'sevre'])[0]).toMatch(/did you mean "serve"/);
  });

  it('parses version', () => {
    expect(parseOptions(['version'], {})).toEqual({ command: 'version' });
    expect(parseOptions(['--version'], {})).toEqual({ command: 'version' });
  });
});

describe('helpText', () => {
  it('lists every command in the overview', () => {
    const text = helpText();
    for (const c of ['serve', 'quickstart', 'demo-upstream', 'version', 'help']) expect(text).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
  });

  it('lists the flags of a command with their defaults', () => {
    const text = helpText('serve');
    expect(text).toMatch(/^Usage: healthplane serve/);
    expect(text).toMatch(/--xds-port PORT\s+.*\(default 18000\)/);
    expect(text).toMatch(/--admin-address ADDR\s+.*\(default 127\.0\.0\.1\)/);
    expect(text).toMatch(/--node-hash cluster\|id/);
    expect(text).toMatch(/--help\s+show this help/);
    expect(text).toMatch(/--proxy-port PORT\s+also run the native proxy: every route of --config-dir or --kubernetes on this one port/);
    expect(text).toMatch(/--proxy\s+also run the native proxy, each Gateway listener on its own port/);
    expect(helpText('quickstart')).toMatch(/--demo-ports LIST\s+.*\(default 9001,9002,9003\)/);
  });
});

describe('closest', () => {
  it.each([
    ['xds-prot', ['xds-port', 'admin-port'], 'xds-port'],
    ['zzzzzz', ['xds-port', 'admin-port'], undefined],
    ['SERVE', ['serve'], 'serve'],
  ])('%s -> %s', (input, candidates, expected) => {
    expect(closest(input, candidates)).toBe(expected);
  });
});

describe('parseOptions: --config-dir, translate, validate, bootstrap', () => {
  it('reads --config-dir and --gateway-class for serve, and refuses --config-dir with --xds-resources', () => {
    const o = serve(['--config-dir=cfg', '--gateway-class', 'edge']);
    expect(o.configDir).toBe('cfg');
    expect(o.gatewayClass).toBe('edge');
    expect(problemsOf(['serve', '--config-dir', 'cfg', '--xds-resources', 'r.yaml'])).toEqual([expect.stringMatching(/^--config-dir: cannot be combined with --xds-resources/)]);
  });

  it('collects repeated -f/--filename values and trailing paths, in order', () => {
    expect(parseOptions(['translate', '-f', 'a.yaml', '--filename', 'dir', '--filename=c.json', 'b.yaml', '-o', 'yaml'], {})).toEqual({
      command: 'translate',
      paths: ['a.yaml', 'dir', 'c.json', 'b.yaml'],
      output: 'yaml',
      gatewayClass: undefined,
    });
  });

  it('defaults translate output to json and needs at least one path', () => {
    expect(parseOptions(['validate', 'in.yaml'], {})).toMatchObject({ command: 'validate', paths: ['in.yaml'], output: 'json' });
    expect(problemsOf(['validate'])).toEqual([expect.stringMatching(/^--filename \(-f\): give at least one file or folder to validate/)]);
    expect(problemsOf(['translate', '-f'])).toEqual([expect.stringMatching(/^--filename: needs a value/), expect.stringMatching(/give at least one/)]);
    expect(problemsOf(['translate', '-x', 'a'])).toEqual([expect.stringMatching(/^-x: unknown flag for "translate"/), expect.stringMatching(/give at least one/)]);
  });

  it('parses bootstrap flags with defaults, HOST:PORT and [v6]:PORT', () => {
    expect(parseOptions(['bootstrap', '--node-id', 'n'], {})).toEqual({ command: 'bootstrap', nodeId: 'n', nodeCluster: undefined, xds: { address: '127.0.0.1', port: 18000 }, delta: false, adminPort: 9901 });
    expect(parseOptions(['bootstrap', '--node-id', 'n', '--xds-address', '[::1]:1', '--delta', '--node-cluster', 'c'], {})).toMatchObject({ xds: { address: '::1', port: 1 }, delta: true, nodeCluster: 'c' });
    expect(problemsOf(['bootstrap', '--node-id', 'n', '--xds-address', 'h:0'])).toEqual([expect.stringMatching(/is not HOST:PORT/)]);
    expect(problemsOf(['bootstrap'])).toEqual([expect.stringMatching(/^--node-id: required/)]);
  });

  it('lists the new commands in the overview', () => {
    for (const c of ['translate', 'validate', 'bootstrap']) expect(helpText()).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
  });
});
