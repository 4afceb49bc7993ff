/**
 * Run alone (`tsx test/helpers/crashPullMemory.ts STORE`): receive what the store's `origin` holds, as
 * a pull does (the transport's fetch: the pack downloaded into a quarantine folder and indexed there),
 * and print, as one JSON line, this process's resident memory before and its peak (maxRSS) after, in
 * bytes, with the size of the pack received. test/sync/pull-memory.test.ts runs it in a child process,
 * so the peak is the fetch's alone (issue 17, point 13: a received pack is streamed to disk, not held).
 * What a pull does next (checking every new event) holds events, not the pack, and is left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../core/store/store.js';
import { getRemote } from '../../core/sync/remotes.js';
import { transportFor } from '../../core/sync/transport.js';

const dir = process.argv[2];
const store = Store.open(dir);
const transport = transportFor(getRemote(store.gitDir, 'origin').url);
const quarantine = fs.mkdtempSync(path.join(store.gitDir, 'fetch-'));
const packDir = path.join(quarantine, 'objects', 'pack');
fs.mkdirSync(packDir, { recursive: true });
const rssBefore = process.memoryUsage.rss();
await transport.fetch({ objectsDir: store.objectsDir, has: (oid) => store.hasObject(oid), haves: () => [] }, quarantine);
const maxRss = process.resourceUsage().maxRSS * 1024;
const packs = fs.readdirSync(packDir);
const received = packs.filter((n) => n.endsWith('.pack')).reduce((s, n) => s + fs.statSync(path.join(packDir, n)).size, 0);
process.stdout.write(`${JSON.stringify({ rssBefore, maxRss, received, indexed: packs.filter((n) => n.endsWith('.idx')).length })}\n`);
fs.rmSync(quarantine, { recursive: true, force: true });
