import * as fs from 'node:fs';
import * as path from 'node:path';
import { InMemorySessionStore, query, type SDKMessage, type SessionStore } from '@anthropic-ai/claude-agent-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentlogSessionStore } from '../../packages/claude-agent-sdk/src/index.js';
import { agentBinaries, machine, type Machine } from '../helpers/agents.js';
import { cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';
import { useGitHttpServer } from '../helpers/use-git-http-server.js';
import { userTexts } from './roundtrip.js';

/**
 * The Claude Agent SDK's query() with our SessionStore, the real `claude` binary against the scripted
 * Anthropic server: a session made on machine A is mirrored into A's store, pushed through the git
 * smart-HTTP server, cloned on machine B (another HOME, another project folder) and resumed there with
 * query({ resume, sessionStore }): the whole earlier conversation reaches the model, and B's timeline
 * continues A's.
 */
describe('the Claude Agent SDK resumes a session from an agentlog store on another machine', () => {
  let model: ModelServer;
  const http = useGitHttpServer();
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  /** The project key the SDK gives a folder (its sanitized path). */
  const projectKeyOf = (dir: string) => fs.realpathSync(dir).replace(/[^a-zA-Z0-9]/g, '-');

  /** What the SDK mirrored, also kept by its own InMemorySessionStore (the reference to compare with). */
  const mirrored = new InMemorySessionStore();

  /** Our store, each append also made to `mirrored`. */
  function tee(root: string): SessionStore {
    const ours = new AgentlogSessionStore({ root });
    return {
      append: async (key, entries) => {
        await mirrored.append(key, entries);
        await ours.append(key, entries);
      },
      load: (key) => ours.load(key),
      listSessions: (projectKey) => ours.listSessions(projectKey),
      delete: (key) => ours.delete(key),
      listSubkeys: (key) => ours.listSubkeys(key),
    };
  }

  async function ask(m: Machine, root: string, prompt: string, resume?: string): Promise<{ sessionId: string; messages: SDKMessage[] }> {
    const messages: SDKMessage[] = [];
    // The SDK maps the files the CLI mirrors to keys by the config folder, which parent and CLI must
    // share: this machine's ~/.claude, named to both.
    const config = path.join(m.home, '.claude');
    const before = process.env.CLAUDE_CONFIG_DIR;
    process.env.CLAUDE_CONFIG_DIR = config;
    try {
      for await (const msg of query({
        prompt,
        options: {
          cwd: m.project,
          env: { ...m.env, CLAUDE_CONFIG_DIR: config },
          pathToClaudeCodeExecutable: agentBinaries().claude,
          sessionStore: tee(root),
          allowedTools: ['Bash'],
          ...(resume ? { resume } : {}),
        },
      })) {
        messages.push(msg);
      }
    } finally {
      if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR;
      else process.env.CLAUDE_CONFIG_DIR = before;
    }
    const result = messages.find((x) => x.type === 'result');
    expect(result && 'subtype' in result ? result.subtype : undefined).toBe('success');
    return { sessionId: result!.session_id, messages };
  }

  it('query({ resume, sessionStore }) on machine B continues what machine A mirrored, after push and clone', async () => {
    const a = machine(model.url, 'sdk-a');
    const rootA = path.join(a.home, 'agentlog');
    model.script([
      [{ thinking: 'I should run echo.' }, { tool: 'Bash', input: { command: 'echo sdk-first-output', description: 'echo' } }],
      [{ text: 'It printed sdk-first-output.' }],
    ]);
    const first = await ask(a, rootA, 'first prompt through the SDK: run echo');
    const keyA = projectKeyOf(a.project);
    const loadedA = await new AgentlogSessionStore({ root: rootA }).load({ projectKey: keyA, sessionId: first.sessionId });
    // What the SDK mirrored is what the store gives back (Claude Code mirrors all but its local
    // api-request records).
    expect(loadedA?.length).toBeGreaterThan(5);
    expect(loadedA).toEqual(await mirrored.load({ projectKey: keyA, sessionId: first.sessionId }));
    const storeA = new AgentlogSessionStore({ root: rootA }).dirFor(keyA);
    await cliOk(storeA, ['verify']);

    // Machine B: the store moved through the git HTTP server into B's root, under B's project key.
    const url = http.bare('sdk.git');
    await cliOk(storeA, ['remote', 'add', 'origin', url]);
    await cliOk(storeA, ['push', 'origin']);
    const b = machine(model.url, 'sdk-b');
    const rootB = path.join(b.home, 'agentlog');
    const storeB = new AgentlogSessionStore({ root: rootB }).dirFor(projectKeyOf(b.project));
    fs.mkdirSync(rootB, { recursive: true });
    await cliOk(rootB, ['clone', url, storeB]);
    const tipA = (await cliOk(storeA, ['show', `claude/${first.sessionId}`, '--json'])).out;
    expect(tipA.length).toBeGreaterThan(0);

    const start = model.requests.length;
    model.script([[{ text: 'Second answer on B.' }]]);
    const second = await ask(b, rootB, 'second prompt on B', first.sessionId);
    expect(second.sessionId).toBe(first.sessionId);

    // What reached the model on B: the whole earlier conversation, then the new prompt.
    const sent = model.requests.slice(start).filter((r) => r.main);
    expect(sent.length).toBe(1);
    const messages = sent[0].body.messages as { role: string; content: unknown }[];
    const flat = JSON.stringify(messages);
    expect(userTexts(messages)).toEqual(
      expect.arrayContaining([expect.stringContaining('first prompt through the SDK: run echo'), expect.stringContaining('second prompt on B')]),
    );
    for (const piece of ['I should run echo.', '"name":"Bash"', 'sdk-first-output', 'It printed sdk-first-output.']) expect(flat).toContain(piece);
    expect(flat.indexOf('first prompt through the SDK')).toBeLessThan(flat.indexOf('second prompt on B'));

    // B's timeline continues A's: A's commits are its first ones, and it verifies.
    const b2 = new AgentlogSessionStore({ root: rootB });
    const storeOnB = b2.storeFor(projectKeyOf(b.project))!;
    const name = `claude/${first.sessionId}`;
    const onA = new AgentlogSessionStore({ root: rootA }).storeFor(keyA)!;
    const commitsA = [...onA.history(onA.tipOf(name)!)].map((c) => c.oid).reverse();
    const commitsB = [...storeOnB.history(storeOnB.tipOf(name)!)].map((c) => c.oid).reverse();
    expect(commitsB.slice(0, commitsA.length)).toEqual(commitsA);
    expect(commitsB.length).toBeGreaterThan(commitsA.length);
    await cliOk(storeB, ['verify']);
    const loadedB = (await b2.load({ projectKey: projectKeyOf(b.project), sessionId: first.sessionId }))!;
    // A's entries, then what the SDK mirrored on B.
    expect(loadedB).toEqual([...loadedA!, ...((await mirrored.load({ projectKey: projectKeyOf(b.project), sessionId: first.sessionId })) ?? [])]);
  });
});
