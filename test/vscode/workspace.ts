/** The workspace the real-VS-Code tests open: a folder with an agentlog store and a realistic session. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Store } from '../../core/index.js';

/** A small PNG (a fake terminal: dark background, a few coloured "text" lines), encoded here. */
function terminalPng(w = 240, h = 90): Uint8Array {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    const line = Math.floor((y - 6) / 12);
    const inText = y >= 6 && (y - 6) % 12 < 7 && line < 6;
    const len = [200, 150, 210, 90, 170, 120][line] ?? 0;
    const colour = line === 2 ? [240, 90, 90] : line === 0 ? [120, 200, 120] : [200, 200, 200];
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const on = inText && x >= 8 && x < 8 + len && (x >> 2) % 3 !== 2;
      const [r, g, b] = on ? colour : [30, 30, 36];
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return new Uint8Array(png);
}

export async function makeWorkspace(root: string): Promise<{ workspace: string; store: string }> {
  const workspace = path.join(root, 'project');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'parser.ts'), 'export function parse(s: string) {\n  return JSON.parse(s);\n}\n');
  const dir = path.join(workspace, '.agentlog');
  let t = Date.now() - 3_600_000;
  const { store } = Store.init(dir, { now: () => (t += 61_000) });
  await store.create('fix-parser', {
    kind: 'session',
    title: 'Fix the JSON parser',
    agent: { name: 'claude-code', version: '2.0.14' },
    model: 'claude-sonnet-4-5',
    cwd: workspace,
  });
  const say = (role: string, content: unknown, extra: Record<string, unknown> = {}) =>
    store.append('fix-parser', { kind: 'message', role, content: content as never, ...extra });
  await say('user', [{ type: 'text', text: 'The parser crashes on **trailing commas**. Can you fix `parse()`?' }]);
  await say(
    'assistant',
    [
      { type: 'thinking', thinking: 'The user wants trailing commas accepted. JSON.parse rejects them; strip them first, outside strings.' },
      { type: 'text', text: 'Let me read the parser first.' },
      { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'parser.ts' } },
    ],
    { model: 'claude-sonnet-4-5' },
  );
  await say('user', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'export function parse(s: string) {\n  return JSON.parse(s);\n}' }]);
  await say(
    'assistant',
    [
      { type: 'text', text: 'Running the tests to see the failure:' },
      { type: 'tool_use', id: 'toolu_2', name: 'bash', input: { command: 'npm test -- parser' } },
    ],
    { model: 'claude-sonnet-4-5' },
  );
  await say('user', [
    { type: 'tool_result', tool_use_id: 'toolu_2', content: 'FAIL parser.test.ts\n  SyntaxError: Unexpected token } in JSON at position 9', is_error: true },
  ]);
  await say('user', [
    { type: 'text', text: 'Here is what I see in the terminal:' },
    { type: 'image', media_type: 'image/png', data: terminalPng() },
  ]);
  await say(
    'assistant',
    [
      {
        type: 'text',
        text: 'The test fails because `JSON.parse` rejects trailing commas. A fix:\n\n```ts\nexport function parse(s: string) {\n  return JSON.parse(s.replace(/,\\s*([}\\]])/g, "$1"));\n}\n```\n\n- keeps valid JSON unchanged\n- see <https://www.json.org> for the grammar',
      },
    ],
    { model: 'claude-sonnet-4-5' },
  );
  await store.append('fix-parser', { kind: 'note', text: 'Careful: the regex also touches commas inside strings.' });
  await say('user', [{ type: 'text', text: 'Hostile text must stay inert: <script>alert(1)</script> [link](javascript:alert(1))' }]);
  // A fork made earlier: another approach from event 4.
  const at4 = [...store.history(store.tipOf('fix-parser')!)].find((h) => h.seq === 4)!.oid;
  await store.branch('fix-parser-tokenizer', at4, 'fix-parser');
  await store.append('fix-parser-tokenizer', {
    kind: 'message',
    role: 'assistant',
    model: 'gpt-5',
    content: [{ type: 'text', text: 'Alternative: write a small tokenizer instead of a regex.' }],
  });
  await store.create('write-docs', { kind: 'session', title: 'Document the CLI', agent: { name: 'codex', version: '0.42' }, model: 'gpt-5' });
  await store.append('write-docs', { kind: 'message', role: 'user', content: [{ type: 'text', text: 'Write a README section for `agentlog log`.' }] });
  if (process.env.AGENTLOG_TEST_LONG !== '0') await longSession(store, 10_000);
  return { workspace, store: dir };
}

/** A long session (n events) to check that the panel opens at the newest events at once. */
async function longSession(store: Store, n: number): Promise<void> {
  const start = Date.now() - 3 * 86_400_000;
  await store.create('long-session', { kind: 'session', title: 'A long session', agent: { name: 'claude-code' }, model: 'claude-sonnet-4-5', ts: start });
  // Handed over together (not awaited one by one): the store writes them in batches, a commit each.
  const appends = [];
  for (let i = 1; i < n; i++) {
    appends.push(
      store.append('long-session', {
        ts: start + i * 1000,
        kind: 'message',
        role: i % 2 ? 'user' : 'assistant',
        content: [{ type: 'text', text: `Step ${i}: ${i % 2 ? 'what does the next test say?' : `it passes; moving on to the next file, \`src/p${i}.ts\`.`}` }],
      }),
    );
  }
  await Promise.all(appends);
}

/**
 * Two folders for Source Control's question (test/vscode/suite/consent.ts): each a git repository of
 * its own (a project) holding its store in `sessions/`, named by the workspace's `agentlog.storePath`,
 * so Source Control would list the store beside the project. One is answered "Hide from Source
 * Control", the other "Not now" (the folder's name says which).
 */
export async function makeConsentWorkspaces(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of ['consent-hide', 'consent-not-now']) {
    const folder = path.join(root, name);
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'agentlog.storePath': 'sessions' }, null, 2)}\n`);
    fs.writeFileSync(path.join(folder, 'README.md'), `# ${name}\n`);
    execFileSync('git', ['init', '-q', folder]);
    const { store } = Store.init(path.join(folder, 'sessions'));
    await store.create('first-session', { kind: 'session', title: 'A session kept in sessions/', agent: { name: 'claude-code' } });
    out.push(folder);
  }
  return out;
}
