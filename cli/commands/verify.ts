import { checkTimelineRefs, resolveRev, type VerifyResult, verifyTimeline } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const verify = defineCommand({
  name: 'verify',
  summary: 'recompute every CID, check links, seq and trailers; exit 0 only if all is well',
  usage: 'agentlog verify [REV…] [--full] [--json]',
  help: `Checks each timeline (default: every timeline in the store): every event's CID recomputed from its
bytes, strict canonical decoding, seq 0, 1, 2, … without gaps, each prev linking to the event before,
one commit per event with trailers Agentlog-Event and Agentlog-Seq that match. Names the first bad
event of each timeline: timeline, seq, commit, expected and found CID, and the store invariant it
breaks ([I4] …; the invariants are stated in core/store/layout.ts and ARCHITECTURE.md).

Incremental: each timeline found sound is marked as verified up to its tip (.git/agentlog/verified.json),
and the next verify checks only the events after the mark, as long as the timeline's history still
holds the marked commit (a commit id pins every object below it). A rewritten branch is checked whole.

  --full   check every event again, marks or not (also what finds bytes changed on disk below a mark)
A redacted timeline (agentlog redact) verifies like any other; its rewritten events are named.

  --json   [{timeline, tip, events, trustedSeq?, redacted?: {from, events}, problem?: {seq, commit, expected, found, invariant, message}}]`,
  options: { json: { type: 'boolean' }, full: { type: 'boolean' } },
  async run(ctx, values, revs) {
    const store = ctx.store();
    const results: VerifyResult[] = [];
    // `whole`: the target is a timeline's tip, so a sound result moves its mark.
    const targets: Array<{ name: string; commit: string; whole: boolean }> = [];
    let all: Map<string, string> | undefined;
    if (revs.length) {
      for (const rev of revs) {
        const r = resolveRev(store, rev);
        targets.push({ name: r.timeline ?? rev, commit: r.commit, whole: !!r.timeline && store.tipOf(r.timeline) === r.commit });
      }
    } else {
      // A branch whose ref cannot be read (empty, a symlink, a symbolic ref out of refs/) is a problem
      // of its own, named here; the rest are verified.
      const checked = checkTimelineRefs(store);
      for (const p of checked.problems) {
        results.push(p);
        if (!values.json) ctx.stderr.write(`BAD  ${p.timeline}: ${p.problem!.message}\n`);
      }
      for (const [name, tip] of checked.timelines) targets.push({ name, commit: tip, whole: true });
      all = checked.timelines;
    }
    const marks = values.full ? new Map<string, string>() : store.verifyMarks();
    const changes = new Map<string, string | undefined>();
    for (const t of targets) {
      const mark = marks.get(t.name);
      const res = verifyTimeline(store, t.name, t.commit, mark ? { trusted: mark } : {});
      results.push(res);
      // A problem drops the mark (the next verify checks the timeline whole); a sound tip moves it.
      if (res.problem) changes.set(t.name, undefined);
      else if (t.whole) changes.set(t.name, t.commit);
      if (values.json) continue;
      if (res.problem) {
        const p = res.problem;
        const detail = p.expected !== undefined || p.found !== undefined ? ` (expected ${p.expected ?? '?'}, found ${p.found ?? '?'})` : '';
        ctx.stderr.write(`BAD  ${t.name}: seq ${p.seq}, commit ${p.commit}: ${p.message}${detail}\n`);
      } else {
        const since = res.trustedSeq !== undefined ? ` (${res.events - res.trustedSeq - 1} new since the last verify)` : '';
        const redacted = res.redacted
          ? `; redacted: ${res.redacted.events} event(s) from seq ${res.redacted.from} rewritten, each naming the CID it replaces`
          : '';
        ctx.stderr.write(`ok   ${t.name}: ${res.events} events${since}${redacted}\n`);
      }
    }
    // Marks of timelines that are gone go too, when every timeline was verified.
    store.updateVerifyMarks(changes, all ? (name) => all.has(name) : undefined);
    const bad = results.filter((r) => r.problem).length;
    if (values.json) ctx.stdout.write(`${toJson(results)}\n`);
    else if (!results.length) ctx.stderr.write('no timelines to verify\n');
    else ctx.stderr.write(bad ? `${bad} of ${results.length} timeline(s) failed verification\n` : `all ${results.length} timeline(s) verified\n`);
    return bad ? 1 : 0;
  },
});
