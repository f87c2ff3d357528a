/**
 * Compiles a protobufjs Type's `(validate.*)` annotations once into a flat list of field plans
 * and caches it per Type (WeakMap), so checking thousands of resources re-reads no options.
 * Fields with no rules and no message inside them are left out of the plan.
 */
import * as protobuf from 'protobufjs';
import { compileMapRules, compileRepeatedRules, type ContainerRules } from './collection-rules';
import { compileElement, NO_RULES, type ElementRules } from './message-rules';
import { fieldRules, hasBoolOption, ruleObject } from './rule-options';

export interface FieldPlan {
  readonly field: protobuf.Field;
  readonly name: string;
  /** The oneof (real or proto3-optional synthetic) this field belongs to, if any. */
  readonly oneof: protobuf.OneOf | null;
  /** A scalar that tracks presence (oneof member, proto3 `optional`, proto2): rules apply only when set. */
  readonly scalarPresence: boolean;
  /** Message type of the value / each item / each map value, when it is a message. */
  readonly messageType: protobuf.Type | undefined;
  readonly isAny: boolean;
  /** Rules for the singular value, each repeated item, or each map value. */
  readonly element: ElementRules;
  /** Map key rules and key scalar type (maps only). */
  readonly key: ElementRules;
  readonly keyType: string;
  /** Repeated / map container rules. */
  readonly container: ContainerRules | undefined;
}

export interface TypePlan {
  /** `(validate.disabled)` or `(validate.ignored)`: nothing in or below this message is checked. */
  readonly disabled: boolean;
  readonly requiredOneofs: readonly protobuf.OneOf[];
  readonly fields: readonly FieldPlan[];
}

const plans = new WeakMap<protobuf.Type, TypePlan>();

const ANY = '.google.protobuf.Any';

function planField(field: protobuf.Field): FieldPlan | undefined {
  field.resolve();
  const rules = fieldRules(field);
  const resolved = field.resolvedType;
  const messageType = resolved instanceof protobuf.Type ? resolved : undefined;
  if (rules === undefined && messageType === undefined) return undefined;
  const isMap = field instanceof protobuf.MapField;
  let element: ElementRules = NO_RULES;
  let key: ElementRules = NO_RULES;
  let container: ContainerRules | undefined;
  if (isMap) {
    const mapRules = ruleObject(rules?.map) ?? {};
    container = compileMapRules(mapRules);
    key = compileElement(ruleObject(mapRules.keys), null);
    element = compileElement(ruleObject(mapRules.values), resolved);
  } else if (field.repeated) {
    const repeatedRules = ruleObject(rules?.repeated) ?? {};
    container = compileRepeatedRules(repeatedRules, messageType);
    element = compileElement(ruleObject(repeatedRules.items), resolved);
  } else {
    element = compileElement(rules, resolved);
  }
  return {
    field,
    name: field.name,
    oneof: field.partOf,
    scalarPresence: messageType === undefined && Boolean(field.hasPresence),
    messageType,
    isAny: messageType?.fullName === ANY,
    element,
    key,
    keyType: isMap ? (field as protobuf.MapField).keyType : '',
    container,
  };
}

export function planFor(type: protobuf.Type): TypePlan {
  const hit = plans.get(type);
  if (hit) return hit;
  const disabled = hasBoolOption(type, '(validate.disabled)') || hasBoolOption(type, '(validate.ignored)');
  const plan: TypePlan = disabled
    ? { disabled, requiredOneofs: [], fields: [] }
    : {
        disabled,
        requiredOneofs: type.oneofsArray.filter((o) => hasBoolOption(o, '(validate.required)')),
        fields: type.fieldsArray.map(planField).filter((p): p is FieldPlan => p !== undefined),
      };
  plans.set(type, plan);
  return plan;
}
