import { pull as pullTimelines, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { printReport, progressOn, TRANSPORT_HELP } from './sync-output.js';

export const pull = defineCommand({
  name: 'pull',
  summary: "fetch a remote's timelines: new ones added, longer ones fast-forwarded, diverged ones forked",
  usage: 'agentlog pull [REMOTE] [-v] [--json]',
  help: `Fetches every timeline of REMOTE (default: origin) in one pack, then per timeline: a new one is
added, one this store holds a shorter version of is fast-forwarded, one this store extended is left
(ahead: push to publish it), and one extended on both sides keeps the remote's version under its
name while this store's version is kept as the fork NAME-<short CID of its first event after the
shared part>. Nothing is merged and nothing is lost. The remote's tips are remembered under
refs/remotes/REMOTE/ (a timeline the remote no longer has is dropped there, never here). A remote
that is not an agentlog store is refused and nothing changes here.

The remote's allow list (agentlog allow --help) comes too: taken when this store has none,
fast-forwarded when it only grew there, merged when both changed (a commit naming both, holding
the union of their entries); one that is not an allow list is refused and nothing changes here.

Prints one summary line (pull origin: 2 new, 1 fast-forwarded, 23 up to date), and a line for each
timeline that diverged (piped: for each one that changed, tab-separated).

  -v       a line for every timeline, and how many refs the remote advertised
  --json   {remote, url, timelines: [{name, status, fork?, old?, new?}], advertised, allow?}
           (allow: {status, old?, new?, added?}, what happened to the allow list)
           (advertised: how many refs the remote listed; over http with protocol v2, only its
           branches, refs/heads/*)

${TRANSPORT_HELP}`,
  options: { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
  maxPositionals: 1,
  async run(ctx, values, [remoteName]) {
    const report = await pullTimelines(ctx.store(), remoteName ?? 'origin', {
      env: ctx.env,
      now: () => ctx.now(),
      progress: progressOn(ctx.stderr),
      warn: (m) => ctx.stderr.write(`warning: ${safe(m)}\n`),
    });
    if (report.advertised !== undefined && values.verbose && !values.json)
      ctx.stderr.write(`pull: ${report.advertised} refs advertised by ${safe(report.url)}\n`);
    return printReport(ctx, report, !!values.json, 'pull', !!values.verbose);
  },
});
