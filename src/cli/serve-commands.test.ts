import { ConfigError } from '../errors';
import { parseOptions, type ServeOptions } from '../options';
import { workersOf } from './serve-commands';

function serve(argv: string[]): ServeOptions {
  const o = parseOptions(['serve', ...argv], {});
  if (o.command !== 'serve') throw new Error('not serve');
  return o;
}

function problemsOf(argv: string[]): readonly string[] {
  try {
    parseOptions(argv, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('native proxy retry flags', () => {
  it('--retry-on builds an Envoy retry policy with Envoy defaults for the rest', () => {
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000', '--retry-on', 'connect-failure,5xx']).proxy?.retry).toEqual({
      retryOn: ['connect-failure', '5xx'],
      numRetries: 1,
      perTryTimeoutMs: 0,
      previousHosts: true,
      backoffBaseMs: 25,
      backoffMaxMs: 250,
    });
  });

  it('takes --num-retries, --per-try-timeout and --retry-backoff', () => {
    const retry = serve(['--config-dir', 'd', '--proxy', '--retry-on', 'reset', '--num-retries', '3', '--per-try-timeout', '500ms', '--retry-backoff', '0ms']).proxy?.retry;
    expect(retry).toMatchObject({ retryOn: ['reset'], numRetries: 3, perTryTimeoutMs: 500, backoffBaseMs: 0, backoffMaxMs: 0 });
  });

  it('no --retry-on: no policy (Envoy retries nothing by default)', () => {
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000']).proxy?.retry).toBeUndefined();
  });

  it('names every misuse', () => {
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy', '--retry-on', '5xx,sometimes', '--num-retries', 'x', '--per-try-timeout', 'soon'])).toEqual(
      expect.arrayContaining([
        '--retry-on: unknown sometimes (known: 5xx, gateway-error, reset, connect-failure)',
        '--num-retries: "x" is not a whole number from 0 to 10',
        '--per-try-timeout: "soon" is not a duration (e.g. 250ms, 2s)',
      ]),
    );
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy', '--num-retries', '2'])).toEqual(['--num-retries: only applies with --retry-on']);
    expect(problemsOf(['serve', '--config-dir', 'd', '--retry-on', '5xx'])).toEqual(['--retry-on: only applies to the native proxy; add --proxy-port PORT (or --proxy)']);
  });
});

describe('--proxy-workers', () => {
  it('takes a count or auto (one per CPU), 1 meaning this process serves', () => {
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000', '--proxy-workers', '3']).proxy?.workers).toBe(3);
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000', '--proxy-workers', '1']).proxy?.workers).toBeUndefined();
    expect(serve(['--config-dir', 'd', '--proxy-port', '8000']).proxy?.workers).toBeUndefined();
    expect(workersOf('auto', [], () => 6)).toBe(6);
    expect(workersOf('auto', [], () => 0)).toBe(1);
  });

  it('names the flag when the value is bad or there is no proxy', () => {
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy', '--proxy-workers', '0'])).toEqual(['--proxy-workers: "0" is not "auto" or a whole number from 1 to 64']);
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy', '--proxy-workers', 'many'])).toEqual(['--proxy-workers: "many" is not "auto" or a whole number from 1 to 64']);
    expect(problemsOf(['serve', '--config-dir', 'd', '--proxy-workers', '2'])).toEqual(['--proxy-workers: only applies to the native proxy; add --proxy-port PORT (or --proxy)']);
  });
});
