#!/usr/bin/env node
'use strict';
const { main } = require('../dist/cli.js');
// A reader that stops early (`rml audit data.csv --format json | head`) closes the pipe: stop quietly, as
// other command-line tools do, rather than print a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
