/**
 * Run alone (`tsx test/helpers/readFewMemory.ts STORE TIMELINE`): read what `agentlog log NAME@0` and
 * a short history read need of a store, not a whole timeline — the history of TIMELINE (every commit,
 * first parents back to genesis) and its genesis event — and print, as one JSON line, this process's
 * resident memory before and its peak (maxRSS) after, in bytes, with the size of the store's packs.
 * test/git/pack-reads.test.ts runs it in a child process, so the peak is these reads' alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../core/store/store.js';

const [dir, name] = process.argv.slice(2);
const store = Store.open(dir);
const packDir = path.join(store.objectsDir, 'pack');
const packs = fs.readdirSync(packDir).filter((n) => n.endsWith('.pack'));
const rssBefore = process.memoryUsage.rss();
const tip = store.tipOf(name)!;
let commits = 0;
for (const _ of store.history(tip)) commits++;
const genesis = store.eventAt(tip, 0)!;
const maxRss = process.resourceUsage().maxRSS * 1024;
const packBytes = packs.reduce((s, n) => s + fs.statSync(path.join(packDir, n)).size, 0);
process.stdout.write(`${JSON.stringify({ rssBefore, maxRss, packBytes, packs: packs.length, commits, kind: genesis.event.kind })}\n`);
