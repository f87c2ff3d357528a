// Lint: TypeScript rules plus the architecture's boundaries (docs/ARCHITECTURE.md, "Invariants").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pure = ['src/translate/**/*.ts', 'src/ir/**/*.ts', 'src/xds/translate/**/*.ts', 'src/model/**/*.ts'];
const ioModules = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'http2', 'node:http2', 'child_process', 'node:child_process', 'dgram', 'node:dgram'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/xds/generated/**', 'bin/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Time and randomness go through the injected Clock/Random (src/clock.ts) so tests can use fake time.
    files: ['src/**/*.ts'],
    ignores: ['src/clock.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock (src/clock.ts).' },
        { object: 'Math', property: 'random', message: 'Use the injected Random (src/clock.ts).' },
        { object: 'process', property: 'env', message: 'Only src/main.ts and src/app.ts read process.env.' },
      ],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use the injected Clock (src/clock.ts).' },
        { name: 'setInterval', message: 'Use the injected Clock (src/clock.ts).' },
        { name: 'clearTimeout', message: 'Use the injected Clock (src/clock.ts).' },
        { name: 'clearInterval', message: 'Use the injected Clock (src/clock.ts).' },
      ],
    },
  },
  {
    files: ['src/main.ts', 'src/app.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock (src/clock.ts).' },
        { object: 'Math', property: 'random', message: 'Use the injected Random (src/clock.ts).' },
      ],
    },
  },
  {
    // Pure stages: no I/O, no clock, no knowledge of sources, servers, the proxy or admin.
    files: pure,
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.map((name) => ({ name, message: 'Translation stages are pure: no I/O.' })),
        patterns: [{ group: ['**/sources/**', '**/xds/server/**', '**/server/*', '**/proxy/**', '**/admin/**', '**/clock', '**/log', '@grpc/*'], message: 'Pure stages import only model/ and ir/ (and their own siblings).' }],
      }],
    },
  },
  {
    // The snapshot cache knows nothing about gRPC or the server.
    files: ['src/xds/cache/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@grpc/*', '**/server/**', '**/server/*', '../server'], message: 'xds/cache/ must not know about gRPC or the server.' }],
      }],
    },
  },
  {
    // The native proxy consumes the IR, never Envoy protos.
    files: ['src/proxy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/xds/**', '**/xds/*', '../xds'], message: 'proxy/ consumes the IR, never xds/.' }],
      }],
    },
  },
);
