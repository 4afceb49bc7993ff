import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../core/import/index.js';
import { PRICES, priceOf, storeStats } from '../../core/stats/index.js';
import { Store } from '../../core/store/store.js';
import { cli } from '../helpers/cli.js';
import { freshStore, jsonLines, jsonlFiles, type Obj } from '../helpers/sessions.js';
import { sharedFixtures } from '../helpers/shared.js';
import { clock, tmpdir } from '../helpers/tmp.js';

const shared = sharedFixtures();

describe('stats', () => {
  it("adds up events, turns, tool calls and agentlog run's usage; a fork's shared events count once; --by and --json", async () => {
    const store = Store.init(tmpdir('agentlog-stats-'), { now: clock() }).store;
    await store.create('a', { kind: 'session', ts: 0 });
    await store.append('a', { kind: 'message', role: 'user', ts: 1000, content: [{ type: 'text', text: 'list the files' }] });
    const call = { type: 'tool_use', id: 'c1', name: 'list_files', input: {} };
    const usage = { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 5000, cache_creation_input_tokens: 100 };
    const answered = await store.append('a', {
      kind: 'message',
      role: 'assistant',
      ts: 2000,
      api: 'anthropic',
      model: 'claude-sonnet-4-5',
      usage,
      content: [call],
    });
    await store.append('a', { kind: 'message', role: 'user', ts: 3000, content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'a.txt' }] });
    await store.branch('b', answered.commit, 'a');
    await store.append('b', { kind: 'message', role: 'user', ts: 86_400_000 + 5, content: [{ type: 'text', text: 'another question' }] });
    const all = [...store.timelines()].map(([name, commit]) => ({ name, commit }));
    const s = storeStats(store, all);
    expect(s.total).toMatchObject({ events: 5, turns: 2, toolCalls: 1, tokens: { input: 1000, output: 200, cacheRead: 5000, cacheWrite: 100 }, unpriced: [] });
    expect(s.total.cost).toBeCloseTo((1000 * 3 + 200 * 15 + 5000 * 0.3 + 100 * 3.75) / 1e6, 12);
    expect(storeStats(store, all, 'day').rows.map((r) => [r.key, r.events, r.turns])).toEqual([
      ['1970-01-01', 4, 1],
      ['1970-01-02', 1, 1],
    ]);
    expect(storeStats(store, all, 'session').rows.map((r) => [r.key, r.events])).toEqual([
      ['a', 4],
      ['b', 1],
    ]);
    const json = JSON.parse((await cli(store.dir, ['stats', '--json', '--by', 'model'])).out);
    expect(json.rows.map((r: Obj) => [r.key, r.tokens.output])).toEqual([
      ['(none)', 0],
      ['claude-sonnet-4-5', 200],
    ]);
    expect(json.prices.date).toBe(PRICES.date);
    const text = await cli(store.dir, ['stats', 'b']);
    expect(text.out.split('\n')[1].split('\t').slice(0, 4)).toEqual(['total', '4', '2', '1']);
    expect(text.err).toContain(`cost at the prices of ${PRICES.date}`);
    expect((await cli(store.dir, ['stats', '--by', 'week'])).err).toContain('is not day, session or model');
  });

  it('prices a model by the longest prefix it begins with, and none for an unknown one', () => {
    expect(priceOf('claude-opus-4-1-20250805')?.model).toBe('claude-opus-4-1');
    expect(priceOf('claude-opus-4-20250514')?.model).toBe('claude-opus-4');
    expect(priceOf('gpt-5-codex')?.model).toBe('gpt-5-codex');
    expect(priceOf('llama-3')).toBeUndefined();
    // A newer model whose name begins with an older one's takes its own row, not the older price.
    expect(priceOf('claude-opus-4-7')).toMatchObject({ model: 'claude-opus-4-7', input: 5 });
    expect(priceOf('claude-sonnet-5-5')).toMatchObject({ model: 'claude-sonnet-5', input: 2 });
    expect(priceOf('claude-opus-5-5-20260601')).toMatchObject({ model: 'claude-opus-5-5', input: 4 });
    expect(priceOf('gpt-5.4-mini')).toMatchObject({ model: 'gpt-5.4-mini', input: 0.75 });
    expect(priceOf('gpt-5.2-codex')).toMatchObject({ model: 'gpt-5.2', input: 1.75 });
  });

  if (shared)
    describe('shared fixtures (real Claude Code and Codex sessions)', () => {
      it('the tokens and cost equal the usage summed from the JSONL lines', async () => {
        const claudeFiles = jsonlFiles(path.join(shared, 'claude-code'));
        const codexFiles = jsonlFiles(path.join(shared, 'codex'));
        const store = freshStore();
        await importFiles(store, 'claude', claudeFiles);
        await importFiles(store, 'codex', codexFiles);
        // Independently, from the lines: Claude's usage once per message id and request id, Codex's last_token_usage per token_count.
        const want = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
        let cost = 0;
        const seen = new Set<string>();
        const add = (model: string | undefined, input: number, output: number, cacheRead: number, cacheWrite: number) => {
          want.input += input;
          want.output += output;
          want.cacheRead += cacheRead;
          want.cacheWrite += cacheWrite;
          const p = priceOf(model);
          if (p) cost += (input * p.input + output * p.output + cacheRead * p.cacheRead + cacheWrite * p.cacheWrite) / 1e6;
        };
        for (const f of claudeFiles) {
          for (const r of jsonLines(f) as Obj[]) {
            const u = r.type === 'assistant' ? r.message?.usage : undefined;
            if (!u) continue;
            const key = `${r.message.id}:${r.requestId ?? ''}`;
            if (seen.has(key)) continue;
            seen.add(key);
            add(r.message.model, u.input_tokens ?? 0, u.output_tokens ?? 0, u.cache_read_input_tokens ?? 0, u.cache_creation_input_tokens ?? 0);
          }
        }
        for (const f of codexFiles) {
          let model: string | undefined;
          for (const r of jsonLines(f) as Obj[]) {
            if (r.type === 'turn_context') model = r.payload.model;
            const u = r.type === 'event_msg' && r.payload.type === 'token_count' ? r.payload.info?.last_token_usage : undefined;
            if (u) add(model, u.input_tokens - u.cached_input_tokens, u.output_tokens, u.cached_input_tokens, 0);
          }
        }
        const s = storeStats(
          store,
          [...store.timelines()].map(([name, commit]) => ({ name, commit })),
          'model',
        );
        expect(want.output).toBeGreaterThan(0);
        expect(s.total.tokens).toEqual(want);
        expect(s.total.cost).toBeCloseTo(cost, 6);
        expect(s.rows.reduce((a, r) => a + r.tokens.output, 0)).toBe(want.output);
        console.log(`[stats] fixtures: ${JSON.stringify(s.total.tokens)}, $${s.total.cost.toFixed(2)}`);
      }, 300_000); // imports every fixture: ~15 s on a quiet machine, minutes on a loaded one
    });
});
