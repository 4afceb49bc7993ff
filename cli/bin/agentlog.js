#!/usr/bin/env node
// The compiled CLI lives in dist/ at the package root (built by `npm ci` through the `prepare` script;
// shipped built in the tarball `npm pack` makes).
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../../dist/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  process.stderr.write(`agentlog: not built yet (no ${fileURLToPath(main)}): run \`npm ci\` in ${root} (it compiles the TypeScript into dist/)\n`);
  process.exit(1);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
