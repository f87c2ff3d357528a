#!/usr/bin/env node
// Dev tool (`npm run gen:types`): regenerates src/xds/generated/ — TypeScript types for every
// proto under proto/ (listed in proto/files.json by scripts/proto-subset.mjs) via
// @grpc/proto-loader's proto-loader-gen-types, with the same options src/xds/proto.ts loads with.
// The output is committed; never edit it by hand. One post-processing step: the per-file
// ProtoGrpcType modules of service-less protos declare `grpc` and `SubtypeConstructor` without
// using them, which our tsconfig (noUnusedLocals) rejects; those two unused declarations are removed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = path.join(repo, 'proto');
const outDir = path.join(repo, 'src/xds/generated');
const files = JSON.parse(fs.readFileSync(path.join(protoDir, 'files.json'), 'utf8'));
const bin = path.join(repo, 'node_modules/.bin/proto-loader-gen-types');

fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(
  bin,
  [
    '--keepCase', '--longs', 'String', '--enums', 'String', '--defaults', '--oneofs',
    '--grpcLib', '@grpc/grpc-js', '-I', 'proto', '-O', path.relative(repo, outDir), ...files,
  ],
  { cwd: repo, stdio: 'inherit' },
);
for (const name of fs.readdirSync(outDir)) {
  if (!name.endsWith('.ts')) continue;
  const file = path.join(outDir, name);
  fs.writeFileSync(file, dropUnusedDeclarations(fs.readFileSync(file, 'utf8')));
}
process.stdout.write(`generated types for ${files.length} proto files in ${path.relative(repo, outDir)}/\n`);

function dropUnusedDeclarations(text) {
  let out = text;
  const ctor = /^type SubtypeConstructor<[^\n]*\n[^\n]*\n};\n\n?/m;
  if (ctor.test(out) && out.split('SubtypeConstructor<').length === 2) out = out.replace(ctor, '');
  const grpcImport = /^import type \* as grpc from '@grpc\/grpc-js';\n/m;
  if (grpcImport.test(out) && !/\bgrpc\./.test(out.replace(grpcImport, ''))) out = out.replace(grpcImport, '');
  return out;
}
