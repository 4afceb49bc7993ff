import { AgentlogError, flagNew, resolveRev, safe, scanTimelines, type TimelineScan } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { fitTable, toJson } from '../format.js';

export const scan = defineCommand({
  name: 'scan',
  summary: 'look for secrets (API keys, tokens, private keys) in timelines; exit 1 when any is found',
  usage: 'agentlog scan [REV…] [--json] | agentlog scan --new [--json]',
  help: `Scans every event of each timeline (default: every timeline in the store) for what looks like a
secret, with secretlint's recommended rules: AWS, GCP, GitHub, GitLab, npm, Slack, OpenAI, Anthropic
and other keys and tokens, private key blocks, passwords in URLs and connection strings. Every string
of an event is read: text, thinking, tool inputs and outputs, the source records an import kept,
images' alt text; content ids, links and id fields are not (they are not secrets, and look random).

A finding names the timeline, the event (seq, CID), where in it (content[1].input.command), the rule
and a fingerprint; the secret itself is never printed, only a masked form (its first 4 characters).
Exit 1 when anything is found, 0 when nothing is.

push and export run the same scan on what they are about to send and refuse a timeline with findings.
Then, per finding:
  agentlog redact NAME --finding FINGERPRINT   rewrite the timeline with it replaced (--all: every one)
  agentlog allow finding:FINGERPRINT           not a secret: the allow list keeps it (rule:NAME: a rule)
  agentlog push --allow-secrets                send anyway, this once

What a scan finds waits in \`agentlog status\` until it is redacted or allowed.

  --new    scan only what came in since the last scan, every timeline (what capture and import start
           in the background once they are done: they never scan themselves, so a hook stays fast);
           one at a time per store; prints what waits, exit 1 when anything does
  --json   [{timeline, tip, scanned, findings: [{timeline, seq, cid, commit, path, rule, fingerprint, masked}]}]
           with --new: {ran, timelines, events, flagged: [{timeline, tip, count, findings}]}`,
  options: { json: { type: 'boolean' }, new: { type: 'boolean' } },
  async run(ctx, values, revs) {
    const store = ctx.store();
    if (values.new) {
      if (revs.length) throw new AgentlogError('E_INPUT', 'scan --new scans every timeline: give no REV');
      const r = await flagNew(store);
      if (values.json) ctx.stdout.write(`${toJson(r)}\n`);
      else {
        for (const t of r.flagged)
          for (const f of t.findings)
            ctx.stdout.write(`${[t.timeline, String(f.seq), f.rule, f.fingerprint, f.masked, f.path].map((c) => safe(c)).join('\t')}\n`);
        ctx.stderr.write(
          !r.ran
            ? 'another scan --new is running; it scans again for this one\n'
            : `${r.events} new event(s) in ${r.timelines} timeline(s) scanned; ${r.flagged.length ? `findings wait in ${r.flagged.length} timeline(s): agentlog status` : 'nothing waits'}\n`,
        );
      }
      return r.flagged.length ? 1 : 0;
    }
    const targets: Array<{ name: string; commit: string }> = [];
    if (revs.length) {
      for (const rev of revs) {
        const r = resolveRev(store, rev);
        targets.push({ name: r.timeline ?? rev, commit: r.commit });
      }
    } else {
      for (const [name, tip] of store.timelines()) targets.push({ name, commit: tip });
    }
    const progress = ctx.stderr.isTTY
      ? (done: number, total: number, events: number) =>
          ctx.stderr.write(`\rscanning: ${done}/${total} timelines, ${events} events${done === total ? '\n' : ''}`)
      : undefined;
    const results = await scanTimelines(store, targets, progress);
    const found = results.filter((r) => r.findings.length);
    if (values.json) {
      ctx.stdout.write(`${toJson(results.map((r) => ({ timeline: r.timeline, tip: r.tip, scanned: r.scanned, findings: r.findings })))}\n`);
    } else {
      printFindings(ctx.stdout, found);
      const total = found.reduce((n, r) => n + r.findings.length, 0);
      ctx.stderr.write(
        total
          ? `${total} finding(s) in ${found.length} of ${results.length} timeline(s); see: agentlog scan --help (redact, allow)\n`
          : `no secrets found in ${results.length} timeline(s)\n`,
      );
    }
    return found.length ? 1 : 0;
  },
});

function printFindings(out: { write(text: string): void; isTTY: boolean; columns: number }, found: TimelineScan[]): void {
  const rows: string[][] = [];
  for (const r of found) for (const f of r.findings) rows.push([f.timeline, String(f.seq), f.rule, f.fingerprint, f.masked, f.path].map((c) => safe(c)));
  if (!rows.length) return;
  if (!out.isTTY) {
    for (const row of rows) out.write(`${row.join('\t')}\n`);
    return;
  }
  out.write(
    fitTable([['TIMELINE', 'SEQ', 'RULE', 'FINDING', 'MASKED', 'WHERE'], ...rows], out.columns, {
      shrink: [
        [5, 12],
        [0, 16],
        [4, 8],
      ],
      right: [1],
    }),
  );
}
