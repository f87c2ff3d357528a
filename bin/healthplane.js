#!/usr/bin/env node
'use strict';
// The healthplane command. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
require('../dist/main.js').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`healthplane: ${err && err.stack ? err.stack : String(err)}\n`); process.exitCode = 1; },
);
