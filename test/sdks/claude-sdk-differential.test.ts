import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importSessionToStore, InMemorySessionStore, type SessionKey } from '@anthropic-ai/claude-agent-sdk';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles, Store } from '../../core/index.js';
import { AgentlogSessionStore } from '../../packages/claude-agent-sdk/src/index.js';
import { sharedFixtures } from '../helpers/shared.js';
import { tmpdir } from '../helpers/tmp.js';

/**
 * The SDK's own importSessionToStore copies real Claude Code transcripts (../shared/fixtures, with
 * their subagent files) into the SDK's InMemorySessionStore and into ours: load() of every key must
 * agree, and our timelines must be the ones `agentlog import claude` makes of the same files.
 */

const shared = sharedFixtures();
const PROJECT_DIR = '/home/user/proj';
const PROJECT_KEY = '-home-user-proj';

/** The SDK takes only UUID session ids: fixtures named otherwise are copied under one made from the name. */
function uuidOf(stem: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(stem)) return stem;
  const h = createHash('sha256').update(stem).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** JSON with sorted keys: deep-equal values give the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function sessionFiles(root: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const file = path.join(e.parentPath, e.name);
    // bad.jsonl: the repository's own malformed file, for import's error tests; no SDK would write it.
    if (e.isFile() && e.name.endsWith('.jsonl') && e.name !== 'bad.jsonl' && !file.includes(`${path.sep}subagents${path.sep}`)) out.push(file);
  }
  return out.sort();
}

// The real transcripts of ../shared/fixtures where they exist, else the repository's own (test/fixtures).
const root = shared ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

describe('the SDK importSessionToStore: ours and InMemorySessionStore agree on real transcripts', () => {
  const config = tmpdir('agentlog-sdk-config-');
  const before = process.env.CLAUDE_CONFIG_DIR;
  beforeAll(() => {
    process.env.CLAUDE_CONFIG_DIR = config;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR;
    else process.env.CLAUDE_CONFIG_DIR = before;
  });

  const files = sessionFiles(path.join(root, 'claude-code'));
  it.each(files.map((f) => [path.relative(root, f), f]))('%s', async (_name, file) => {
    const stem = path.basename(file, '.jsonl');
    const sessionId = uuidOf(stem);
    const project = path.join(config, 'projects', PROJECT_KEY);
    fs.mkdirSync(project, { recursive: true });
    fs.copyFileSync(file, path.join(project, `${sessionId}.jsonl`));
    const subagents = path.join(path.dirname(file), stem, 'subagents');
    if (fs.existsSync(subagents)) fs.cpSync(subagents, path.join(project, sessionId, 'subagents'), { recursive: true });

    const theirs = new InMemorySessionStore();
    const root = tmpdir('agentlog-sdk-');
    const ours = new AgentlogSessionStore({ root });
    await importSessionToStore(sessionId, theirs, { dir: PROJECT_DIR });
    await importSessionToStore(sessionId, ours, { dir: PROJECT_DIR });

    const main: SessionKey = { projectKey: PROJECT_KEY, sessionId };
    const subkeys = await theirs.listSubkeys(main);
    expect(await ours.listSubkeys(main)).toEqual([...subkeys].sort());
    expect(await ours.listSessions(PROJECT_KEY)).toEqual([{ sessionId, mtime: expect.any(Number) }]);
    // Claude Code 1.0 wrote a Task's conversation into the main file (inline sidechains); import
    // makes each its own timeline, and reading them back merges them by time, which does not give
    // back the interleaving of parallel Tasks exactly: there, the same entries, each timeline in order.
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const inline = lines.some((l) => (JSON.parse(l) as { isSidechain?: unknown }).isSidechain === true);
    for (const key of [main, ...subkeys.map((subpath) => ({ ...main, subpath }))]) {
      const want = await theirs.load(key);
      const got = await ours.load(key);
      expect(want?.length).toBeGreaterThan(0);
      if (!inline || key.subpath) expect(got).toEqual(want);
      else {
        const sorted = (x: unknown[] | null) => (x ?? []).map(canonical).sort();
        expect(got?.length).toBe(want?.length);
        expect(sorted(got)).toEqual(sorted(want));
        const main = got?.filter((e) => e.isSidechain !== true);
        expect(main).toEqual(want?.filter((e) => e.isSidechain !== true));
      }
    }

    // The same timelines and CIDs as `agentlog import claude` of the files the SDK read.
    const imported = Store.init(tmpdir('agentlog-import-')).store;
    await importFiles(imported, 'claude', [path.join(project, `${sessionId}.jsonl`)]);
    const store = ours.storeFor(PROJECT_KEY)!;
    const cids = (s: Store) => new Map([...s.timelines()].map(([name, tip]) => [name, s.readEvents(tip).map((e) => e.cid.toString())]));
    expect(cids(store)).toEqual(cids(imported));
  });
});
