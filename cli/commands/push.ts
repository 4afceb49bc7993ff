import { listRemotes, push as pushTimelines, safe } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { printReport, progressOn, TRANSPORT_HELP } from './sync-output.js';

export const push = defineCommand({
  name: 'push',
  summary: 'send timelines to a remote; a diverged timeline is kept as a fork, never merged',
  usage: 'agentlog push [REMOTE] [NAME…] [--allow-secrets] [-v] [--json]',
  help: `Pushes the named timelines (default: all) to REMOTE (default: origin) in one pack.

When the remote extended a timeline that this store extended too, nothing is merged and nothing is
lost: the remote's version keeps the name, this store's version is kept as the fork NAME-<short CID
of its first event after the shared part> (the same name on every machine), and the fork is pushed.
Prints one summary line (push origin: 1 pushed, 25 up to date), and a line for each timeline that
diverged or was rejected (piped: for each one that changed, tab-separated). Exit 1 if the remote
rejected any timeline.

Before anything is sent, the events the remote lacks are scanned for secrets (API keys, tokens,
private keys, passwords in URLs: agentlog scan --help); a timeline holding any refuses the push,
naming each finding (masked) and what to do. Tips found clean are remembered, so a push scans only
what is new.

The allow list goes with the timelines: the remote's is first merged into this store's (the union
of both, as pull does), then this store's is sent.

  --allow-secrets  send them anyway, this once
  -v       a line for every timeline: up to date, pushed, diverged (kept as fork NAME), rejected
  --json   {remote, url, timelines: [{name, status, fork?, old?, new?, reason?}], sent, allow?}

${TRANSPORT_HELP}`,
  options: { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, 'allow-secrets': { type: 'boolean' } },
  async run(ctx, values, args) {
    const store = ctx.store();
    const remotes = new Set(listRemotes(store.gitDir).map((r) => r.name));
    const [first, ...rest] = args;
    // A URL or path in the remote's place (push https://…) is taken as one, so that the error says to name it.
    const named = first !== undefined && (remotes.has(first) || /^[a-z][a-z0-9+.-]*:\/\/|^\.{0,2}\/|^[^/\s]+@[^/\s]+:/i.test(first));
    const remoteName = named ? first : 'origin';
    const names = named ? rest : args;
    const report = await pushTimelines(store, remoteName, names, {
      env: ctx.env,
      now: () => ctx.now(),
      allowSecrets: !!values['allow-secrets'],
      progress: progressOn(ctx.stderr),
      warn: (m) => ctx.stderr.write(`warning: ${safe(m)}\n`),
    });
    return printReport(ctx, report, !!values.json, 'push', !!values.verbose);
  },
});
