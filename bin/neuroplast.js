#!/usr/bin/env node
import { main } from '../build/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`neuroplast: internal error: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 70;
  },
);
