import { AgentlogError, redactTimeline, safe, UNREDACTED_PREFIX } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const redact = defineCommand({
  name: 'redact',
  summary: 'rewrite a timeline with secrets replaced by a marker; the original stays on this machine only',
  usage: 'agentlog redact NAME (--finding FINGERPRINT | --rule RULE | --all) [--json]',
  help: `Rewrites timeline NAME from the first event holding a selected finding (agentlog scan NAME lists
them): each secret is replaced by [redacted:RULE], the events after it get new CIDs (their prev
changed), and every rewritten event records the CID of the event it replaces (its "replaces" link), so
anyone holding the original can check that the copy differs only by the markers. agentlog verify
accepts the redacted timeline and names the rewritten events.

Forks that share the rewritten part are rewritten the same way (the shared commits once, for all).
The original is kept on this machine only, as ${UNREDACTED_PREFIX}NAME (not a timeline: push never
sends it); delete it once you are sure:  git -C STORE update-ref -d ${UNREDACTED_PREFIX}NAME
If the original was pushed already, the remote's copy must be deleted there: redaction cannot unsend it.

  --finding FP   the finding with that fingerprint (everywhere in the timeline)
  --rule RULE    every finding of a rule (github, aws, privatekey, basicauth, …)
  --all          every finding scan reports (the allow list's entries left alone)
  --json         [{timeline, oldTip, newTip, kept, from, rewritten, findings}]`,
  options: { finding: { type: 'string' }, rule: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    if (!name) throw new AgentlogError('E_INPUT', 'name the timeline to redact: agentlog redact NAME --all (see: agentlog scan)');
    const store = ctx.store();
    const done = await redactTimeline(store, name, { finding: values.finding, rule: values.rule, all: values.all });
    if (values.json) {
      ctx.stdout.write(`${toJson(done)}\n`);
      return 0;
    }
    for (const r of done) {
      ctx.stderr.write(
        `redacted ${safe(r.timeline)}: ${r.findings.length} finding(s) replaced, ${r.rewritten} event(s) rewritten from seq ${r.from}; the original is kept as ${safe(r.kept)} (local only)\n`,
      );
    }
    return 0;
  },
});
