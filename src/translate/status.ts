/**
 * Resource statuses computed by the translator, in the shape each API defines: Gateway API
 * conditions (Accepted, ResolvedRefs, Programmed) for GatewayClass/Gateway/HTTPRoute, policy
 * ancestors for KongUpstreamPolicy, and a plain Accepted condition for every other kind.
 */
import type { ResourceRef } from '../model/keys';
import type { AnyResource } from '../model/resources';
import { refOf, type Report } from './failures';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface ParentRefStatus {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentStatus {
  readonly parentRef: ParentRefStatus;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface ListenerStatus {
  readonly name: string;
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export interface PolicyAncestorStatus {
  readonly ancestorRef: { readonly group: string; readonly kind: string; readonly namespace: string; readonly name: string };
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface ResourceStatus {
  readonly ref: ResourceRef;
  readonly conditions: readonly Condition[];
  readonly parents?: readonly RouteParentStatus[];
  readonly listeners?: readonly ListenerStatus[];
  readonly ancestors?: readonly PolicyAncestorStatus[];
}

export function condition(type: string, ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

/** `Accepted` True, or False with the reason given, for kinds without a richer status. */
export function accepted(errors: number, warnings: number, falseReason = 'Invalid'): Condition {
  if (errors > 0) return condition('Accepted', false, falseReason, `${errors} error(s); see failures`);
  return condition('Accepted', true, 'Accepted', warnings > 0 ? `accepted with ${warnings} warning(s)` : 'accepted');
}

/** Records the plain `Accepted` status of an object from the failures reported for it so far. */
export function setAcceptedStatus(obj: AnyResource, ctx: { readonly report: Report; readonly statuses: { set(s: ResourceStatus): void } }): void {
  const { errors, warnings } = ctx.report.counts(obj);
  ctx.statuses.set({ ref: refOf(obj), conditions: [accepted(errors, warnings)] });
}
