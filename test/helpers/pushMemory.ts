/**
 * Run alone (`tsx test/helpers/pushMemory.ts STORE`): push every timeline of the store to its
 * `origin` (smart HTTP), as `agentlog push` does, and print, as one JSON line, this process's resident
 * memory before and its peak (maxRSS) after, in bytes, with the bytes of pack sent.
 * test/sync/push-memory.test.ts runs it in a child process, so the peak is the push's alone (issue 20:
 * the outgoing pack streams from a file, it is not held). Every object the push sends is read once
 * before the start is measured: what reading the store's packs costs is the pack reader's
 * (git/pack/packSet.ts), not the push's; so is the secrets scan, done (and its tips marked clean)
 * before the start too.
 */
import { parseCommit } from '../../core/git/commit.js';
import { parseTree } from '../../core/git/tree.js';
import { Store } from '../../core/store/store.js';
import { scanTimelines } from '../../core/secrets/index.js';
import { lint } from '../../core/secrets/rules.js';
import { push } from '../../core/sync/push.js';

const store = Store.open(process.argv[2]);
const seen = new Set<string>();
const readTree = (oid: string): void => {
  if (seen.has(oid)) return;
  seen.add(oid);
  for (const e of parseTree(store.readGitObject(oid).content, oid)) {
    if (e.mode === '40000') readTree(e.oid);
    else store.readGitObject(e.oid);
  }
};
for (const tip of store.timelines().values()) {
  for (let c: string | undefined = tip; c; ) {
    const commit = parseCommit(store.readGitObject(c).content, c);
    readTree(commit.tree);
    c = commit.parents[0];
  }
}
// The push scans what it sends for secrets (issue 13) unless its tips were found clean before. That
// scan (the rule set's code, tens of MB, and 150 MB of strings in 1 MiB batches, whose garbage peaks
// as the collector pleases) is not the pack's cost: the tips are scanned, and marked clean, before
// the start is measured, so what is measured is the pack built and streamed.
await lint('warm up');
await scanTimelines(
  store,
  [...store.timelines()].map(([name, commit]) => ({ name, commit })),
);
const rssBefore = process.memoryUsage.rss();
const report = await push(store, 'origin');
const maxRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({ rssBefore, maxRss, sent: report.sent?.bytes ?? 0, pushed: report.timelines.filter((t) => t.status === 'pushed').length })}\n`,
);
