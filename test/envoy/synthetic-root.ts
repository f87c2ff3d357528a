/**
 * Test helper for rule kinds the upstream Envoy protos never use (message.skip, disabled,
 * ignored, timestamps, numeric ignore_empty...): parses a small inline .proto (keepCase) into a
 * root that also holds the bundled google.protobuf well-known types.
 */
import * as protobuf from 'protobufjs';

const WELL_KNOWN = ['any', 'duration', 'timestamp', 'wrappers', 'empty', 'struct'].map((n) => `google/protobuf/${n}.proto`);

export function syntheticRoot(source: string): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of WELL_KNOWN) {
    const json = protobuf.common.get(file);
    if (json?.nested) root.addJSON(json.nested);
  }
  protobuf.parse(source, root, { keepCase: true });
  root.resolveAll();
  return root;
}
