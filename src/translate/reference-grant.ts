/** ReferenceGrant: validation, and whether a grant lets a route reference an object in another namespace. */
import type { ReferenceGrant } from '../model/gateway-api';
import type { Ctx } from './context';
import { setAcceptedStatus } from './status';

export function translateReferenceGrant(g: ReferenceGrant, ctx: Ctx): void {
  if (g.spec.from.length === 0 || g.spec.from.length > 16) ctx.report.error(g, 'spec.from', 'from needs 1-16 entries');
  if (g.spec.to.length === 0 || g.spec.to.length > 16) ctx.report.error(g, 'spec.to', 'to needs 1-16 entries');
  setAcceptedStatus(g, ctx);
}

export interface CrossNamespaceRef {
  readonly fromGroup: string;
  readonly fromKind: string;
  readonly fromNamespace: string;
  readonly toGroup: string;
  readonly toKind: string;
  readonly toNamespace: string;
  readonly toName: string;
}

/** True when a valid ReferenceGrant in the target namespace permits this reference. */
export function isPermitted(ref: CrossNamespaceRef, ctx: Ctx): boolean {
  return ctx.index.grantsIn(ref.toNamespace).some(
    (g) =>
      !ctx.report.hasErrors(g) &&
      g.spec.from.some((f) => f.group === ref.fromGroup && f.kind === ref.fromKind && f.namespace === ref.fromNamespace) &&
      g.spec.to.some((t) => t.group === ref.toGroup && t.kind === ref.toKind && (t.name === undefined || t.name === '' || t.name === ref.toName)),
  );
}
