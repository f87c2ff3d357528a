/**
 * configuration.konghq.com/v1beta1 KongUpstreamPolicy, attached to Services by the
 * `konghq.com/upstream-policy` annotation. Times are integer seconds; 0 disables a counter.
 */
import type { KubeObject } from './meta';

export const UPSTREAM_POLICY_ANNOTATION = 'konghq.com/upstream-policy';
export const STRIP_PATH_ANNOTATION = 'konghq.com/strip-path';
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface KongHealthyCounters {
  readonly interval?: number;
  readonly successes?: number;
  readonly httpStatuses?: readonly number[];
}

export interface KongUnhealthyCounters {
  readonly interval?: number;
  readonly httpFailures?: number;
  readonly tcpFailures?: number;
  readonly timeouts?: number;
  readonly httpStatuses?: readonly number[];
}

export interface KongActiveHealthcheck {
  readonly type?: string;
  readonly httpPath?: string;
  readonly httpsSni?: string;
  readonly httpsVerifyCertificate?: boolean;
  readonly timeout?: number;
  readonly concurrency?: number;
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  readonly healthy?: KongHealthyCounters;
  readonly unhealthy?: KongUnhealthyCounters;
}

export interface KongPassiveHealthcheck {
  readonly type?: string;
  readonly healthy?: KongHealthyCounters;
  readonly unhealthy?: KongUnhealthyCounters;
}

export interface KongHealthchecks {
  readonly threshold?: number;
  readonly active?: KongActiveHealthcheck;
  readonly passive?: KongPassiveHealthcheck;
}

export interface KongHashOn {
  readonly input?: string;
  readonly header?: string;
  readonly cookie?: string;
  readonly cookiePath?: string;
  readonly queryArg?: string;
  readonly uriCapture?: string;
}

export interface KongUpstreamPolicySpec {
  readonly algorithm?: string;
  readonly slots?: number;
  readonly hashOn?: KongHashOn;
  readonly hashOnFallback?: KongHashOn;
  readonly stickySessions?: { readonly cookie?: string; readonly cookiePath?: string };
  readonly healthchecks?: KongHealthchecks;
}

export type KongUpstreamPolicy = KubeObject<'KongUpstreamPolicy', KongUpstreamPolicySpec>;
