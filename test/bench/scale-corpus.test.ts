import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateCorpus, type Manifest } from './scale/corpus.js';
import { cliOk } from '../helpers/cli.js';
import { sharedFixtures } from '../helpers/shared.js';
import { git, tmpdir } from '../helpers/tmp.js';

// The scale bench's corpus (test/bench/scale/corpus.ts): every file it writes imports with no warning,
// its ids are fresh and its links hold, and the same flags make the same bytes.

const OWN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const SHARED = sharedFixtures();

/** Every file under `dir` (relative paths), sorted. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Every .jsonl line of the corpus, parsed. */
function records(dir: string): { file: string; value: Record<string, unknown> }[] {
  return filesUnder(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [{ file: f, value: JSON.parse(l) as Record<string, unknown> }];
          } catch {
            return []; // a fixture's deliberately bad line (the corpus's own lines are checked by the import)
          }
        }),
    );
}

/** The corpus imported with the CLI (`import claude --all`, `import codex --all`) into a new store. */
async function importAll(corpus: string) {
  const dir = tmpdir();
  await cliOk(dir, ['init']);
  const env = { CLAUDE_CONFIG_DIR: path.join(corpus, 'claude'), CODEX_HOME: path.join(corpus, 'codex'), HOME: dir };
  const claude = JSON.parse((await cliOk(dir, ['import', 'claude', '--all', '--json'], { env })).out);
  const codex = JSON.parse((await cliOk(dir, ['import', 'codex', '--all', '--json'], { env })).out);
  return { dir, claude, codex };
}

const cases: [string, string][] = [["the repository's own fixtures", OWN]];
if (SHARED) cases.push(['the shared fixtures', SHARED]);

describe.each(cases)('the scale corpus from %s', (_, templates) => {
  it('imports every file with no warning, each session as the timeline the manifest names', async () => {
    const out = tmpdir();
    const m: Manifest = generateCorpus({ gb: 0.003, seed: 7, out, templatesRoot: templates });
    expect(m.sessions.some((s) => s.agent === 'claude')).toBe(true);
    expect(m.sessions.some((s) => s.agent === 'codex')).toBe(true);
    expect(m.bytes).toBeGreaterThanOrEqual(0.003e9);
    const { dir, claude, codex } = await importAll(out);
    expect(claude.warnings).toEqual([]);
    expect(codex.warnings).toEqual([]);
    expect(claude.sessions + codex.sessions).toBe(m.sessions.length);
    const refs = new Set(git(path.join(dir, '.agentlog'), ['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/']).split('\n'));
    for (const s of m.sessions) expect(refs.has(s.timeline), s.timeline).toBe(true);
    const agents = m.files - m.sessions.length;
    if (agents > 0) expect([...refs].filter((r) => r.includes('.agent-')).length).toBeGreaterThan(0);
  }, 300_000); // a few seconds on a quiet machine; 60 s was not enough at load 15

  it('gives every copy fresh ids and keeps the links between records, files and tool calls', () => {
    const out = tmpdir();
    generateCorpus({ gb: 0.003, seed: 3, out, templatesRoot: templates });
    const recs = records(out);
    // No id of a template is left: each session id names its own file only.
    const templateIds = new Set<unknown>(records(templates).flatMap((r) => [r.value.sessionId, r.value.uuid].filter((x) => typeof x === 'string')));
    for (const r of recs) {
      expect(templateIds.has(r.value.sessionId), r.file).toBe(false);
      expect(templateIds.has(r.value.uuid), r.file).toBe(false);
    }
    // A Claude Code file's records all carry the session id its path names, and every parent is a
    // record of its session's files.
    const bySession = new Map<string, typeof recs>();
    for (const r of recs.filter((r) => r.file.startsWith('claude/'))) {
      const sid = r.file.split('/')[3].replace(/\.jsonl$/, '');
      if (typeof r.value.sessionId === 'string') expect(r.value.sessionId, r.file).toBe(sid);
      bySession.set(sid, [...(bySession.get(sid) ?? []), r]);
    }
    expect(bySession.size).toBeGreaterThan(1);
    for (const [sid, rs] of bySession) {
      const uuids = new Set(rs.map((r) => r.value.uuid));
      for (const r of rs) if (typeof r.value.parentUuid === 'string') expect(uuids.has(r.value.parentUuid), `${sid}: ${r.value.parentUuid}`).toBe(true);
      // Every tool result answers a tool call of the same session.
      const calls = new Set<string>();
      const results: string[] = [];
      for (const r of rs) {
        const content = (r.value.message as { content?: unknown } | undefined)?.content;
        if (!Array.isArray(content)) continue;
        for (const b of content as Record<string, unknown>[]) {
          if (b.type === 'tool_use') calls.add(b.id as string);
          if (b.type === 'tool_result') results.push(b.tool_use_id as string);
        }
      }
      for (const id of results) expect(calls.has(id), `${sid}: tool result for ${id}`).toBe(true);
    }
    // A Codex rollout's file name ends with the id of its one session_meta.
    for (const f of filesUnder(out).filter((f) => f.startsWith('codex/'))) {
      const metas = recs.filter((r) => r.file === f && r.value.type === 'session_meta');
      expect(metas.length, f).toBe(1);
      expect(f.endsWith(`-${(metas[0].value.payload as { id: string }).id}.jsonl`), f).toBe(true);
    }
  });

  it('makes the same bytes from the same seed and other text from another', () => {
    const [a, b, c] = [tmpdir(), tmpdir(), tmpdir()];
    generateCorpus({ gb: 0.002, seed: 5, out: a, templatesRoot: templates });
    generateCorpus({ gb: 0.002, seed: 5, out: b, templatesRoot: templates });
    generateCorpus({ gb: 0.002, seed: 6, out: c, templatesRoot: templates });
    const files = filesUnder(a).filter((f) => f !== 'manifest.json');
    expect(filesUnder(b).filter((f) => f !== 'manifest.json')).toEqual(files);
    for (const f of files) expect(fs.readFileSync(path.join(b, f)).equals(fs.readFileSync(path.join(a, f))), f).toBe(true);
    expect(filesUnder(c)).not.toEqual(filesUnder(a));
  });
});

describe('the scale corpus text', () => {
  it('is not copies: two copies of one template differ in their text', () => {
    const out = tmpdir();
    // Enough bytes that some template is copied twice.
    generateCorpus({ gb: 0.004, seed: 9, out, templatesRoot: OWN });
    const texts = records(out)
      .map((r) => (r.value.message as { content?: unknown } | undefined)?.content)
      .filter((c): c is string => typeof c === 'string' && c.length >= 40);
    expect(texts.length).toBeGreaterThan(10);
    // Most long prompts differ from every other: copies were varied.
    const distinct = new Set(texts).size;
    expect(distinct / texts.length).toBeGreaterThan(0.5);
  });
});
