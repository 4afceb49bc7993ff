import { defineCommand } from '../command.js';

export const gc = defineCommand({
  name: 'gc',
  summary: 'merge the small packs appends leave (runs by itself after writing commands)',
  usage: 'agentlog gc [--auto] [--json]',
  help: `Every append writes its objects as one small pack; gc merges them (geometrically: each object is
copied O(log n) times in all), never inside an append. Packs that are kept (a .keep beside them:
a fresh append's, git's, a user's) and packs with deltas (written by git gc) are left alone; every
object stays findable throughout, even across a power cut. One gc at a time per store.

After a command that wrote packs, agentlog starts \`agentlog gc --auto\` in the background when more
than 32 packs are there (AGENTLOG_AUTO_GC: detach, the default; wait: in the command's own process,
after its output; off: never). \`git gc\` works on a store too and packs smaller still (deltas).

options:
  --auto   one bounded round (at most 64 MB of packs), only when due; nothing when another gc runs
  --json   {ran, busy?, rounds, merged, before: {packs, bytes}, deltas: {deltas, reused, searched}, after: {packs, bytes}}`,
  options: { auto: { type: 'boolean' }, json: { type: 'boolean' } },
  maxPositionals: 0,
  async run(ctx, values) {
    const r = await ctx.store().gc({ auto: !!values.auto });
    if (values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
    else if (r.busy) ctx.stderr.write('gc: another gc is running; nothing done\n');
    else if (!values.auto || r.ran) {
      const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
      ctx.stderr.write(
        `gc: ${r.merged ? `merged ${r.merged} packs in ${r.rounds} round(s)` : 'nothing to merge'}; ` +
          `${r.before.packs} pack(s), ${mb(r.before.bytes)} before; ${r.after.packs} pack(s), ${mb(r.after.bytes)} after\n`,
      );
    }
    return 0;
  },
});
