import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentlogError, commitAt, type EventInput, listSessions, parseDagJson, Store, verifyTimeline } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { registerTextconv } from '../diffDriver.js';

/** The sample session that ships with agentlog (written for the demo; not anyone's real data). */
export const SAMPLE_SESSION = findUp(path.dirname(fileURLToPath(import.meta.url)), 'cli/demo/sample-session.jsonl');

/** The file at `rel` in the nearest folder upward that has it (source and dist/ both work). */
function findUp(dir: string, rel: string): string {
  for (let cur = dir; ; cur = path.dirname(cur)) {
    if (fs.existsSync(path.join(cur, rel))) return path.join(cur, rel);
    if (path.dirname(cur) === cur) return path.join(dir, rel);
  }
}

export const demo = defineCommand({
  name: 'demo',
  summary: 'build a store in a new folder from a sample session, fork it, append, verify',
  usage: 'agentlog demo [DIR] [--json]',
  help: `The tour in one command. Makes DIR (default ./agentlog-demo, or -2, -3, … if taken) as a store,
writes a sample debugging session into it (one git commit per event), forks it at an earlier
point, appends a different turn to the fork, verifies every timeline, and prints each step and what
to try next. Prints the store's path on stdout.

  --json   {store, timelines: [{name, events, ok}], session} in place of the path`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 1,
  async run(ctx, values, [dir]) {
    const target = dir ? path.resolve(ctx.cwd, dir) : freeFolder(path.join(ctx.cwd, 'agentlog-demo'));
    if (fs.existsSync(target) && fs.readdirSync(target).length) {
      throw new AgentlogError('E_INPUT', `${target} exists and is not empty; the demo needs a new folder (agentlog demo NEW_DIR)`);
    }
    const say = (s: string) => ctx.stderr.write(`${s}\n`);
    const { store: created } = Store.init(target);
    const store = Store.open(created.dir, { now: ctx.now });
    registerTextconv(store, say);
    say(`1. created a store: ${store.dir} (a git repository; each branch is a timeline)`);

    const lines = fs
      .readFileSync(SAMPLE_SESSION, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    const events = lines.map((l, i) => parseDagJson(l, `sample session line ${i + 1}`) as EventInput);
    const name = 'fix-date-test';
    const genesis = await store.create(name, events[0]);
    for (const e of events.slice(1)) await store.append(name, e);
    say(`2. wrote the sample session as timeline ${name}: ${events.length} events, one commit each`);
    say(`   session id (the genesis event's CID): ${genesis.cid}`);

    const forkAt = 6;
    const base = commitAt(store, store.tipOf(name)!, forkAt)!;
    const forkName = `${name}-other-fix`;
    await store.branch(forkName, base, name);
    say(`3. forked ${name} at seq ${forkAt} as ${forkName} (a git branch sharing those ${forkAt + 1} commits)`);

    await store.append(forkName, {
      kind: 'message',
      role: 'user',
      content: [{ type: 'text', text: 'Rather than changing format(), could the test pass a time zone?' }],
      ts: 1763971400000,
    });
    const last = await store.append(forkName, {
      kind: 'message',
      role: 'assistant',
      model: 'demo-model-1',
      content: [{ type: 'text', text: 'Yes: run the suite with TZ=UTC, or give format() a timeZone option and pass "UTC" in the test.' }],
      ts: 1763971410000,
    });
    say(`4. appended 2 events to ${forkName}; its tip is event ${last.cid}`);

    let ok = true;
    const verified: Array<{ name: string; events: number; ok: boolean }> = [];
    for (const [t, tip] of store.timelines()) {
      const r = verifyTimeline(store, t, tip);
      ok &&= !r.problem;
      verified.push({ name: t, events: r.events, ok: !r.problem });
      say(`5. verify ${t}: ${r.problem ? `FAILED at seq ${r.problem.seq}: ${r.problem.message}` : `ok, ${r.events} events, every CID recomputed`}`);
    }
    const sessions = listSessions(store);
    say(`   ${sessions.length} session, ${store.timelines().size} timelines`);
    const rel = path.relative(ctx.cwd, store.dir) || '.';
    say('');
    const tips: Array<[string, string]> = [
      ['agentlog ls', 'sessions, with the fork nested under its timeline'],
      [`agentlog show ${name}`, 'the transcript'],
      [`agentlog log ${forkName}`, 'one line per event'],
      [`git log --oneline ${name}`, 'the same events as git commits'],
      [`git checkout ${name}~3 && ls events/*/*/`, 'time travel: the log as it was 3 events ago'],
      [`agentlog cat ${last.cid}`, 'one event, by its content id'],
      [`agentlog append ${name} --role user --text "Now pin the test date"`, 'one more commit'],
    ];
    const width = Math.max(...tips.map(([c]) => c.length));
    say('Try next:');
    say(`  cd ${rel}`);
    for (const [c, why] of tips) say(`  ${c.padEnd(width)}  # ${why}`);
    ctx.stdout.write(values.json ? `${toJson({ store: store.dir, session: genesis.cid, timelines: verified })}\n` : `${store.dir}\n`);
    return ok ? 0 : 1;
  },
});

function freeFolder(base: string): string {
  if (!fs.existsSync(base)) return base;
  for (let i = 2; ; i++) if (!fs.existsSync(`${base}-${i}`)) return `${base}-${i}`;
}
