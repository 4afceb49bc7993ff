import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFile } from '../../core/capture/captureFile.js';
import { encode, type IpldValue } from '../../core/codec/dagcbor.js';
import type { StoredEvent } from '../../core/event/event.js';
import { importFiles } from '../../core/import/index.js';
import { redactTimeline } from '../../core/secrets/redact.js';
import type { Store } from '../../core/store/store.js';
import { verifyTimeline } from '../../core/timeline/verify.js';
import { fakeSecrets } from '../helpers/secrets.js';
import { freshStore, OWN_FIXTURES } from '../helpers/sessions.js';
import { tmpdir } from '../helpers/tmp.js';

/**
 * A session redacted in the store while its agent still writes the file (issue 13): capture and
 * import follow `replaces` (a rewritten event stands for the original's CID) and append what the file
 * gained after the redaction, instead of reporting that the timeline diverged.
 */
const CLAUDE = path.join(OWN_FIXTURES, 'agents/claude-code-2.1.332/8508e415-7387-4376-9c1e-2d5d6c8aa097.jsonl');
const CODEX = path.join(OWN_FIXTURES, 'codex/rollout-2025-10-02T08-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee.jsonl');
const [aws, github] = fakeSecrets('follow');

/** The Claude fixture's lines with both secrets in the Bash result (line 24: `ls` prints them). */
function claudeLines(): string[] {
  const lines = fs.readFileSync(CLAUDE, 'utf8').split('\n').filter(Boolean);
  const r = JSON.parse(lines[24]);
  r.message.content[0].content = `a.txt\n${aws.text}\n${github.text}`;
  lines[24] = JSON.stringify(r);
  return lines;
}

/** The Codex fixture's lines with the GitHub token in the agent's answer (line 14, and its event_msg copy on line 15). */
function codexLines(): string[] {
  return fs
    .readFileSync(CODEX, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replaceAll('Fixed: add now adds.', `Fixed: add now adds. ${github.text}`));
}

/** An event with prev taken out: what it says, wherever it sits. */
function said(e: StoredEvent): string {
  return Buffer.from(encode({ ...e.event, prev: null } as unknown as IpldValue)).toString('hex');
}

function onlyTimeline(store: Store): [string, string] {
  const all = [...store.timelines()];
  expect(all.length).toBe(1);
  return all[0];
}

describe('secrets: a redacted session that capture and import still follow', () => {
  it('Claude Code: captured, redacted, then the file grows: the new records are appended after the redacted events', async () => {
    const lines = claudeLines();
    const file = path.join(tmpdir(), path.basename(CLAUDE));
    fs.writeFileSync(file, `${lines.slice(0, 25).join('\n')}\n`);
    const store = freshStore();
    await captureFile(store, 'claude', file);
    const [name] = onlyTimeline(store);
    const [done] = await redactTimeline(store, name, { all: true });
    expect(done.findings.map((f) => f.rule).sort()).toEqual(['aws', 'github']);
    const redacted = store.readEvents(store.tipOf(name)!);

    fs.appendFileSync(file, `${lines.slice(25).join('\n')}\n`);
    const warnings: string[] = [];
    const grown = await captureFile(store, 'claude', file, (w) => warnings.push(w.message));
    expect(warnings).toEqual([]);
    const after = store.readEvents(store.tipOf(name)!);
    // The redacted events stay as they are; what the file gained follows them, as a whole import of it makes it.
    expect(after.slice(0, redacted.length).map((e) => e.cid.toString())).toEqual(redacted.map((e) => e.cid.toString()));
    const whole = freshStore();
    await importFiles(whole, 'claude', [file]);
    const plain = whole.readEvents(whole.tipOf(name)!);
    expect(grown.appended).toBe(plain.length - redacted.length);
    expect(grown.appended).toBeGreaterThan(0);
    expect(after.slice(redacted.length).map(said)).toEqual(plain.slice(redacted.length).map(said));
    expect(JSON.stringify(after.map((e) => e.event))).not.toContain(aws.secret);
    expect(verifyTimeline(store, name, store.tipOf(name)!).problem).toBeUndefined();

    // The state now follows the redacted tip: the next lines go the incremental way, and importing the file again adds nothing.
    const next = JSON.parse(lines[29]);
    fs.appendFileSync(file, `${JSON.stringify({ ...next, parentUuid: next.uuid, uuid: '734e095d-0000-4000-8000-000000000001' })}\n`);
    expect(await captureFile(store, 'claude', file)).toMatchObject({ mode: 'incremental', appended: 1 });
    const again = await importFiles(store, 'claude', [file], { warn: (w) => warnings.push(w.message) });
    expect(warnings).toEqual([]);
    expect(again.events.appended).toBe(0);
  });

  it('an event redacted twice (one secret, then the other) is followed through the kept original of the first redaction', async () => {
    const lines = claudeLines();
    const file = path.join(tmpdir(), path.basename(CLAUDE));
    fs.writeFileSync(file, `${lines.slice(0, 25).join('\n')}\n`);
    const store = freshStore();
    await importFiles(store, 'claude', [file]);
    const [name] = onlyTimeline(store);
    await redactTimeline(store, name, { rule: 'github' });
    await redactTimeline(store, name, { rule: 'aws' });
    const twice = store.tipOf(name)!;
    fs.appendFileSync(file, `${lines.slice(25).join('\n')}\n`);
    const warnings: string[] = [];
    const res = await importFiles(store, 'claude', [file], { warn: (w) => warnings.push(w.message) });
    expect(warnings).toEqual([]);
    expect(res.events.appended).toBeGreaterThan(0);
    expect([...store.history(store.tipOf(name)!)].some((c) => c.oid === twice)).toBe(true);

    // Without the kept originals nothing proves what the twice-rewritten event stood for: reported, left as it is.
    const bare = freshStore();
    fs.writeFileSync(file, `${lines.slice(0, 25).join('\n')}\n`);
    await importFiles(bare, 'claude', [file]);
    await redactTimeline(bare, name, { rule: 'github' });
    await redactTimeline(bare, name, { rule: 'aws' });
    for (const ref of bare.listRefs('refs/agentlog/unredacted/').keys()) await bare.deleteRef(ref, bare.readRef(ref)!);
    fs.appendFileSync(file, `${lines.slice(25).join('\n')}\n`);
    const lost: string[] = [];
    expect((await importFiles(bare, 'claude', [file], { warn: (w) => lost.push(w.message) })).events.appended).toBe(0);
    expect(lost.join('\n')).toMatch(/already holds other events from seq \d+ on/);
  });

  it('Codex: the incremental path steps aside for the redacted events a look-back would read; the whole import appends after them', async () => {
    const lines = codexLines();
    const file = path.join(tmpdir(), path.basename(CODEX));
    // Cut after the answer (line 14), before its event_msg copy (line 15), which codexEvent stores as a
    // reference to the message when the texts match: the redacted message's text no longer does.
    fs.writeFileSync(file, `${lines.slice(0, 15).join('\n')}\n`);
    const store = freshStore();
    await captureFile(store, 'codex', file);
    const [name] = onlyTimeline(store);
    await redactTimeline(store, name, { all: true });
    expect(await captureFile(store, 'codex', file)).toMatchObject({ mode: 'full', appended: 0 }); // the state made again on the redacted tip
    const redacted = store.readEvents(store.tipOf(name)!);
    fs.appendFileSync(file, `${lines.slice(15).join('\n')}\n`);
    const warnings: string[] = []; // the fixture holds a torn line, skipped with a warning
    const grown = await captureFile(store, 'codex', file, (w) => warnings.push(w.message));
    expect(warnings.filter((w) => !/not valid JSON/.test(w))).toEqual([]);
    const whole = freshStore();
    await importFiles(whole, 'codex', [file]);
    const plain = whole.readEvents(whole.tipOf(name)!);
    expect(grown.appended).toBe(plain.length - redacted.length);
    expect(grown.appended).toBeGreaterThan(0);
    const after = store.readEvents(store.tipOf(name)!);
    expect(after.slice(redacted.length).map(said)).toEqual(plain.slice(redacted.length).map(said));
    expect(JSON.stringify(after.map((e) => e.event))).not.toContain(github.secret);
    expect(await captureFile(store, 'codex', file)).toMatchObject({ mode: 'unchanged', appended: 0 });
  });
});
