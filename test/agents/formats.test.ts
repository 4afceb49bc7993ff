import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, exportTimeline } from '../../core/index.js';
import { agentVersion, claudePrint, codexExec, machine, readJsonl, sessionFiles, type Machine } from '../helpers/agents.js';
import { cliOk } from '../helpers/cli.js';
import { startModelServer, type ModelServer } from '../helpers/model-server.js';

/**
 * Today's session formats, with the real agents: every record a real `claude -p` and `codex exec`
 * session holds imports without a warning, shows in words and exports back equal; and a session handed
 * to the other agent sends that agent's API only what it accepts (the request bodies are the evidence).
 */
describe("today's formats, with the real agents", () => {
  let model: ModelServer;
  beforeAll(async () => {
    model = await startModelServer();
  });
  afterAll(() => model.close());

  /** A session of `agent` on a fresh machine with a store: thinking, a shell call, its output, an answer. */
  async function session(agent: 'claude' | 'codex'): Promise<{ m: Machine; id: string; file: string; name: string }> {
    const m = machine(model.url, agent);
    const tool =
      agent === 'claude'
        ? { tool: 'Bash', input: { command: 'echo first-output', description: 'echo' } }
        : { tool: 'exec_command', input: { cmd: 'echo first-output' } };
    model.script([[{ thinking: 'I should run echo.' }, tool], [{ text: 'It printed first-output.' }]]);
    const { sessionId: id } = agent === 'claude' ? await claudePrint(m, 'first prompt: run echo') : await codexExec(m, 'first prompt: run echo');
    const file = sessionFiles(m)[agent].find((f) => path.basename(f).endsWith(`${id}.jsonl`))!;
    expect(file).toBeDefined();
    await cliOk(m.project, ['init'], { env: m.env });
    const imported = await cliOk(m.project, ['import', agent, file], { env: m.env });
    expect(imported.err).not.toContain('warning');
    return { m, id, file, name: `${agent}/${id}` };
  }

  const store = (m: Machine) => Store.open(path.join(m.project, '.agentlog'));

  it(`Claude Code ${agentVersion('@anthropic-ai/claude-code')}: every record imports, shows in words, exports back equal`, async () => {
    const { m, file, name } = await session('claude');
    const s = store(m);
    const genesis = s.readEvents(s.tipOf(name)!)[0].event;
    expect(genesis).toMatchObject({ title: 'first prompt: run echo', cwd: m.project, agent: { version: agentVersion('@anthropic-ai/claude-code') } });
    expect(exportTimeline(s, s.tipOf(name)!, 'claude').records).toEqual(readJsonl(file));
    const { out } = await cliOk(m.project, ['show', name, '--records'], { env: m.env });
    expect(out).not.toMatch(/── claude\./);
    expect(out).toContain('  It printed first-output.');
    expect(out).toMatch(/── \d+ records: .*attachment ×\d+/);
    // As turns (the default): the prompt, the Bash call on one line with its result, the answer; bookkeeping counted.
    const turns = (await cliOk(m.project, ['show', name], { env: m.env })).out;
    expect(turns).toContain('first prompt: run echo');
    expect(turns).toMatch(/● Bash .*echo first-output.* ✓/);
    expect(turns).toContain('It printed first-output.');
    expect(turns).toMatch(/\d+ hidden: .*attachment ×\d+/);
  });

  it(`Codex ${agentVersion('@openai/codex')}: titled by its prompt, the answer shown as text, every record exported back equal`, async () => {
    const { m, file, name } = await session('codex');
    const s = store(m);
    expect(s.readEvents(s.tipOf(name)!)[0].event).toMatchObject({ title: 'first prompt: run echo', agent: { version: agentVersion('@openai/codex') } });
    expect(exportTimeline(s, s.tipOf(name)!, 'codex').records).toEqual(readJsonl(file));
    const { out } = await cliOk(m.project, ['show', name, '--records'], { env: m.env });
    expect(out).toMatch(/── assistant {2}#\d+ \S+\n {2}It printed first-output\.\n/);
    const turns = (await cliOk(m.project, ['show', name], { env: m.env })).out;
    expect(turns).toContain('first prompt: run echo');
    expect(turns).toMatch(/● \S+ .*echo first-output/);
    expect(turns).toContain('It printed first-output.');
    expect(turns).not.toContain('codex.');
    expect(out).not.toContain('[output_text]');
    expect(out).not.toContain('── codex.');
  });

  it('a Codex session resumed by Claude Code sends the Messages API text blocks, no empty message, the call paired with its result', async () => {
    const { m, name } = await session('codex');
    const plan = JSON.parse((await cliOk(m.project, ['resume', name, '--with', 'claude', '--json'], { env: m.env })).out);
    const start = model.requests.length;
    model.script([[{ text: 'Second answer, in Claude.' }]]);
    await claudePrint(m, 'second prompt, in Claude', ['--resume', plan.sessionId]);
    const sent = model.requests.slice(start).filter((r) => r.main);
    expect(sent.length).toBe(1);
    const messages = (sent[0].body.messages as { role: string; content: string | Record<string, unknown>[] }[]).filter(
      (msg) => msg.role !== 'system' || msg.content.length > 0,
    );
    // The one empty message is Claude Code 2.1.332's own effort statement: a system message with no
    // content and an output_config, which its native resume folds into the environment attachment of the
    // turn; a session from Codex has no such attachment, so the statement goes alone (it does so whatever
    // fields the exported records carry).
    const statements = (sent[0].body.messages as Record<string, unknown>[]).filter((msg) => msg.role === 'system' && (msg.content as unknown[]).length === 0);
    expect(statements.every((msg) => msg.output_config !== undefined)).toBe(true);
    const accepted: Record<string, string[]> = {
      text: ['type', 'text', 'citations', 'cache_control'],
      thinking: ['type', 'thinking', 'signature'],
      tool_use: ['type', 'id', 'name', 'input', 'cache_control'],
      tool_result: ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'],
    };
    const blocks = messages.flatMap((msg) => (typeof msg.content === 'string' ? [{ type: 'text', text: msg.content }] : msg.content));
    for (const b of blocks) {
      expect(Object.keys(accepted), JSON.stringify(b)).toContain(b.type);
      for (const k of Object.keys(b)) expect(accepted[b.type as string], `${b.type}.${k}`).toContain(k);
      if (b.type === 'text') expect((b.text as string).trim()).not.toBe('');
    }
    expect(messages.every((msg) => msg.content.length > 0)).toBe(true);
    const flat = JSON.stringify(messages);
    for (const piece of [
      'first prompt: run echo',
      '"name":"exec_command"',
      '"type":"tool_result"',
      'first-output',
      'It printed first-output.',
      'second prompt, in Claude',
    ])
      expect(flat).toContain(piece);
    const use = blocks.find((b) => b.type === 'tool_use')!;
    expect(blocks.some((b) => b.type === 'tool_result' && b.tool_use_id === use.id)).toBe(true);
  });

  it('a Claude Code session resumed by Codex sends the Responses API its tool call and result as function_call / function_call_output', async () => {
    const { m, name } = await session('claude');
    const plan = JSON.parse((await cliOk(m.project, ['resume', name, '--with', 'codex', '--json'], { env: m.env })).out);
    const start = model.requests.length;
    model.script([[{ text: 'Second answer, in Codex.' }]]);
    await codexExec(m, 'second prompt, in Codex', ['resume', plan.sessionId]);
    const sent = model.requests.slice(start).filter((r) => r.main);
    expect(sent.length).toBe(1);
    const input = sent[0].body.input as Record<string, unknown>[];
    const call = input.find((i) => i.type === 'function_call')!;
    expect(call).toMatchObject({ name: 'Bash' });
    expect(JSON.parse(call.arguments as string)).toEqual({ command: 'echo first-output', description: 'echo' });
    const output = input.find((i) => i.type === 'function_call_output')!;
    expect(output.call_id).toBe(call.call_id);
    expect(JSON.stringify(output.output)).toContain('first-output');
    expect(input.indexOf(call)).toBeLessThan(input.indexOf(output));
    const flat = JSON.stringify(input);
    expect(flat.indexOf('first prompt: run echo')).toBeLessThan(flat.indexOf('It printed first-output.'));
    expect(flat.indexOf('It printed first-output.')).toBeLessThan(flat.indexOf('second prompt, in Codex'));
  });
});
