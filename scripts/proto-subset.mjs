#!/usr/bin/env node
// Dev tool (run by hand): writes proto/** — our wire-identical subset of the Envoy/xDS API.
// Reads the upstream .proto files shipped in @grpc/grpc-js-xds (deps/) with protobufjs and the
// selection in proto/subset.json, then emits one .proto per upstream file with the same package,
// path, names, numbers, types, labels, oneofs and enums, minus comments and non-semantic options.
// Never hand-edit the output; change subset.json and rerun: `node scripts/proto-subset.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deps = path.join(repo, 'node_modules/@grpc/grpc-js-xds/deps');
const INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate']
  .map((d) => path.join(deps, d))
  .concat(path.join(repo, 'node_modules/protobufjs'));
const OUT_DIR = path.join(repo, 'proto');
const selection = JSON.parse(fs.readFileSync(path.join(OUT_DIR, 'subset.json'), 'utf8'));

/** Files for the well-known types protobufjs bundles (they carry no filename). */
const WKT_FILES = {
  Any: 'any', Duration: 'duration', Timestamp: 'timestamp', Empty: 'empty', FieldMask: 'field_mask',
  Struct: 'struct', Value: 'struct', ListValue: 'struct', NullValue: 'struct',
  DoubleValue: 'wrappers', FloatValue: 'wrappers', Int64Value: 'wrappers', UInt64Value: 'wrappers',
  Int32Value: 'wrappers', UInt32Value: 'wrappers', BoolValue: 'wrappers', StringValue: 'wrappers',
  BytesValue: 'wrappers',
};
/** Field options that change proto3 encoding semantics or are harmless documentation we keep. */
const KEPT_FIELD_OPTIONS = ['packed', 'deprecated'];

function loadUpstream() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(selection.entryFiles, { keepCase: true });
  root.resolveAll();
  return root;
}

function fileOf(obj) {
  const full = obj.fullName.slice(1);
  if (full.startsWith('google.protobuf.')) {
    const top = full.split('.')[2];
    const base = WKT_FILES[top];
    if (!base) throw new Error(`no file known for well-known type ${full}`);
    return `google/protobuf/${base}.proto`;
  }
  if (!obj.filename) throw new Error(`no filename for ${full}`);
  const abs = path.resolve(obj.filename);
  for (const dir of INCLUDE_DIRS) {
    if (abs.startsWith(dir + path.sep)) return path.relative(dir, abs).split(path.sep).join('/');
  }
  throw new Error(`${full} is outside the include dirs: ${abs}`);
}

/** The package of a type or service: the namespace chain above its outermost enclosing message. */
function packageOf(obj) {
  let top = obj;
  while (top.parent instanceof protobuf.Type) top = top.parent;
  return top.parent.fullName.slice(1);
}

/** Resolve the selection: which types and which of their fields, plus everything they reference. */
function closeSelection(root) {
  const chosen = new Map(); // fullName -> {type, fields: Field[] | null (enum)}
  const auto = [];
  const queue = [];
  const want = (name, spec, isAuto) => {
    if (chosen.has(name)) return;
    const obj = root.lookup(name);
    if (!obj) throw new Error(`selection names unknown type ${name}`);
    if (obj instanceof protobuf.Enum) {
      chosen.set(name, { obj, fields: null });
      return;
    }
    if (!(obj instanceof protobuf.Type)) throw new Error(`${name} is not a message or enum`);
    let fields = obj.fieldsArray;
    if (spec && spec !== '*') {
      if (spec.fields) {
        for (const f of spec.fields) if (!obj.fields[f]) throw new Error(`${name} has no field ${f}`);
        fields = obj.fieldsArray.filter((f) => spec.fields.includes(f.name));
      } else if (spec.omit) {
        for (const f of spec.omit) if (!obj.fields[f]) throw new Error(`${name} has no field ${f}`);
        fields = obj.fieldsArray.filter((f) => !spec.omit.includes(f.name));
      } else throw new Error(`bad selection entry for ${name}`);
    }
    if (isAuto) auto.push(name);
    chosen.set(name, { obj, fields });
    queue.push(name);
  };
  for (const [name, spec] of Object.entries(selection.messages)) want(name, spec, false);
  for (const name of Object.keys(selection.services)) {
    const svc = root.lookupService(name);
    for (const m of Object.values(svc.methods)) {
      want(m.resolvedRequestType.fullName.slice(1), selection.messages[m.resolvedRequestType.fullName.slice(1)], true);
      want(m.resolvedResponseType.fullName.slice(1), selection.messages[m.resolvedResponseType.fullName.slice(1)], true);
    }
  }
  while (queue.length > 0) {
    const { fields } = chosen.get(queue.shift());
    for (const f of fields) {
      if (!f.resolvedType) continue;
      const ref = f.resolvedType.fullName.slice(1);
      want(ref, selection.messages[ref], true);
    }
  }
  return { chosen, auto };
}

function refName(target, fromPackage) {
  const full = target.fullName.slice(1);
  const pkg = packageOf(target);
  return pkg === fromPackage ? full.slice(pkg.length + 1) : full;
}

function scalarOrRef(field, pkg) {
  return field.resolvedType ? refName(field.resolvedType, pkg) : field.type;
}

function fieldOptions(field) {
  const opts = Object.entries(field.options ?? {})
    .filter(([k]) => KEPT_FIELD_OPTIONS.includes(k))
    .map(([k, v]) => `${k} = ${v}`);
  return opts.length > 0 ? ` [${opts.join(', ')}]` : '';
}

function emitField(field, pkg, indent) {
  const name = `${field.name} = ${field.id}${fieldOptions(field)};`;
  if (field instanceof protobuf.MapField) return `${indent}map<${field.keyType}, ${scalarOrRef(field, pkg)}> ${name}`;
  const label = field.repeated ? 'repeated ' : field.options?.proto3_optional ? 'optional ' : '';
  return `${indent}${label}${scalarOrRef(field, pkg)} ${name}`;
}

function emitEnum(en, indent) {
  const lines = [`${indent}enum ${en.name} {`];
  if (en.options?.allow_alias) lines.push(`${indent}  option allow_alias = true;`);
  for (const [name, id] of Object.entries(en.values)) {
    const dep = en.valuesOptions?.[name]?.deprecated ? ' [deprecated = true]' : '';
    lines.push(`${indent}  ${name} = ${id}${dep};`);
  }
  lines.push(`${indent}}`);
  return lines;
}

function emitReserved(type, indent) {
  if (!type.reserved || type.reserved.length === 0) return [];
  const parts = type.reserved.map((r) =>
    typeof r === 'string' ? `"${r}"` : r[0] === r[1] ? `${r[0]}` : `${r[0]} to ${r[1] === 0x1fffffff ? 'max' : r[1]}`,
  );
  const nums = parts.filter((p) => !p.startsWith('"'));
  const names = parts.filter((p) => p.startsWith('"'));
  const lines = [];
  if (nums.length > 0) lines.push(`${indent}reserved ${nums.join(', ')};`);
  if (names.length > 0) lines.push(`${indent}reserved ${names.join(', ')};`);
  return lines;
}

function emitMessage(type, chosen, pkg, indent) {
  const entry = chosen.get(type.fullName.slice(1));
  const fields = entry ? entry.fields : [];
  const lines = [`${indent}message ${type.name} {`];
  const inner = indent + '  ';
  const body = [];
  for (const nested of type.nestedArray) {
    if (!containsChosen(nested, chosen)) continue;
    body.push(nested instanceof protobuf.Enum ? emitEnum(nested, inner) : emitMessage(nested, chosen, pkg, inner));
  }
  if (entry) {
    const reserved = emitReserved(type, inner);
    if (reserved.length > 0) body.push([...reserved, '']);
  }
  const doneOneofs = new Set();
  for (const f of fields) {
    const oneof = f.partOf && !f.options?.proto3_optional ? f.partOf : null;
    if (!oneof) {
      body.push([emitField(f, pkg, inner)]);
      continue;
    }
    if (doneOneofs.has(oneof.name)) continue;
    doneOneofs.add(oneof.name);
    const members = fields.filter((m) => m.partOf === oneof);
    body.push([`${inner}oneof ${oneof.name} {`, ...members.map((m) => emitField(m, pkg, inner + '  ')), `${inner}}`]);
  }
  body.forEach((chunk, i) => {
    const prev = body[i - 1];
    if (prev && prev.at(-1) !== '' && (chunk.length > 1 || prev.length > 1)) lines.push('');
    lines.push(...chunk);
  });
  if (lines.at(-1) === '') lines.pop();
  lines.push(`${indent}}`);
  return lines;
}

function containsChosen(obj, chosen) {
  if (chosen.has(obj.fullName.slice(1))) return true;
  return obj instanceof protobuf.Type && obj.nestedArray.some((n) => containsChosen(n, chosen));
}

function emitService(svc, methods, pkg) {
  const lines = [`service ${svc.name} {`];
  for (const m of Object.values(svc.methods)) {
    if (methods !== '*' && !methods.includes(m.name)) continue;
    const req = `${m.requestStream ? 'stream ' : ''}${refName(m.resolvedRequestType, pkg)}`;
    const res = `${m.responseStream ? 'stream ' : ''}${refName(m.resolvedResponseType, pkg)}`;
    lines.push(`  rpc ${m.name}(${req}) returns (${res});`);
  }
  lines.push('}');
  return lines;
}

function collectFiles(root, chosen) {
  const files = new Map(); // path -> {pkg, tops: Set<ReflectionObject>, services: [], imports: Set}
  const fileEntry = (p, pkg) => {
    if (!files.has(p)) files.set(p, { pkg, tops: [], services: [], imports: new Set() });
    return files.get(p);
  };
  const addImport = (entry, target, self) => {
    const f = fileOf(target);
    if (f !== self) entry.imports.add(f);
  };
  for (const { obj, fields } of chosen.values()) {
    let top = obj;
    while (top.parent instanceof protobuf.Type) top = top.parent;
    const p = fileOf(top);
    if (p.startsWith('google/protobuf/')) continue;
    const entry = fileEntry(p, packageOf(top));
    if (!entry.tops.includes(top)) entry.tops.push(top);
    for (const f of fields ?? []) if (f.resolvedType) addImport(entry, f.resolvedType, p);
  }
  for (const [name, methods] of Object.entries(selection.services)) {
    const svc = root.lookupService(name);
    const p = fileOf(svc);
    const entry = fileEntry(p, packageOf(svc));
    entry.services.push([svc, methods]);
    for (const m of Object.values(svc.methods)) {
      if (methods !== '*' && !methods.includes(m.name)) continue;
      addImport(entry, m.resolvedRequestType, p);
      addImport(entry, m.resolvedResponseType, p);
    }
  }
  return files;
}

/** Keep the upstream order of top-level declarations within the file. */
function declarationOrder(tops) {
  if (tops.length === 0) return tops;
  const all = tops[0].parent.nestedArray;
  return tops.slice().sort((a, b) => all.indexOf(a) - all.indexOf(b));
}

function render(chosen, entry) {
  const lines = [
    '// Generated by scripts/proto-subset.mjs from the upstream Envoy API (envoyproxy/data-plane-api).',
    '// A wire-identical subset: same package, names, numbers and types; comments and options removed.',
    '// Do not edit: change proto/subset.json and rerun the script.',
    'syntax = "proto3";',
    '',
    `package ${entry.pkg};`,
  ];
  const imports = [...entry.imports].sort();
  if (imports.length > 0) lines.push('', ...imports.map((i) => `import "${i}";`));
  for (const top of declarationOrder(entry.tops)) {
    lines.push('');
    lines.push(...(top instanceof protobuf.Enum ? emitEnum(top, '') : emitMessage(top, chosen, entry.pkg, '')));
  }
  for (const [svc, methods] of entry.services) lines.push('', ...emitService(svc, methods, entry.pkg));
  return lines.join('\n') + '\n';
}

function removeOldOutput(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      removeOldOutput(p);
      if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
    } else if (ent.name.endsWith('.proto')) fs.unlinkSync(p);
  }
}

function main() {
  const root = loadUpstream();
  const { chosen, auto } = closeSelection(root);
  const files = collectFiles(root, chosen);
  removeOldOutput(OUT_DIR);
  const written = [];
  for (const [p, entry] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const out = path.join(OUT_DIR, p);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, render(chosen, entry));
    written.push(p);
  }
  fs.writeFileSync(path.join(OUT_DIR, 'files.json'), JSON.stringify(written, null, 2) + '\n');
  process.stdout.write(`wrote ${written.length} files under proto/\n`);
  if (process.argv.includes('--verbose')) {
    process.stdout.write(`types pulled in whole because a selected field references them:\n  ${auto.sort().join('\n  ')}\n`);
  }
}

main();
