#!/usr/bin/env node
// The compiled CLI lives in the workspace's dist/ (built by `npm ci` through the root `prepare` script).
import { main } from '../../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
