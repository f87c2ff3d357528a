/**
 * Error vocabulary: HpError carries a stable code from ErrorCode; docs/errors.md lists every code
 * and src/errors.test.ts keeps the two in step. Mistakes in user resources are never thrown: they
 * are TranslationFailure values (translate/failures.ts).
 */

export type ErrorCode =
  | 'HP_CONFIG_INVALID'
  | 'HP_SOURCE_PARSE'
  | 'HP_SOURCE_WATCH'
  | 'HP_SNAPSHOT_INCONSISTENT'
  | 'HP_SNAPSHOT_INVALID'
  | 'HP_XDS_BAD_REQUEST'
  | 'HP_XDS_RESOURCE_EXHAUSTED'
  | 'HP_PROXY_NO_HEALTHY_UPSTREAM'
  | 'HP_PROXY_UPSTREAM_TIMEOUT';

export const ERROR_CODES: readonly ErrorCode[] = [
  'HP_CONFIG_INVALID',
  'HP_SOURCE_PARSE',
  'HP_SOURCE_WATCH',
  'HP_SNAPSHOT_INCONSISTENT',
  'HP_SNAPSHOT_INVALID',
  'HP_XDS_BAD_REQUEST',
  'HP_XDS_RESOURCE_EXHAUSTED',
  'HP_PROXY_NO_HEALTHY_UPSTREAM',
  'HP_PROXY_UPSTREAM_TIMEOUT',
];

export class HpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A problem with command-line options or configuration; lists every problem found. */
export class ConfigError extends HpError {
  constructor(readonly problems: readonly string[]) {
    super('HP_CONFIG_INVALID', `invalid options:\n  ${problems.join('\n  ')}`);
  }
}

export class SourceError extends HpError {
  constructor(code: 'HP_SOURCE_PARSE' | 'HP_SOURCE_WATCH', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A snapshot that may not be published (dangling references or resources Envoy would reject). */
export class SnapshotError extends HpError {
  constructor(
    code: 'HP_SNAPSHOT_INCONSISTENT' | 'HP_SNAPSHOT_INVALID',
    readonly problems: readonly string[],
  ) {
    super(code, `${code === 'HP_SNAPSHOT_INCONSISTENT' ? 'inconsistent' : 'invalid'} snapshot: ${problems.join('; ')}`);
  }
}

/** A malformed or hostile xDS request; turned into a gRPC status only inside xds/server/. */
export class XdsProtocolError extends HpError {
  constructor(code: 'HP_XDS_BAD_REQUEST' | 'HP_XDS_RESOURCE_EXHAUSTED', message: string) {
    super(code, message);
  }
}

export class ProxyError extends HpError {
  constructor(code: 'HP_PROXY_NO_HEALTHY_UPSTREAM' | 'HP_PROXY_UPSTREAM_TIMEOUT', message: string) {
    super(code, message);
  }
}
