import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, isAgentlogError, Store } from '../core/index.js';
import { clock, tmpdir } from './helpers/tmp.js';

async function store(): Promise<Store> {
  const { store } = Store.init(path.join(tmpdir(), 's'), { now: clock() });
  await store.create('talk', { kind: 'session', title: 't' });
  return store;
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await p;
  } catch (e) {
    return isAgentlogError(e) ? e.code : undefined;
  }
  return undefined;
}

describe('error codes', () => {
  it('the timeline moved has its own code: an append whose after or seq condition no longer holds is E_MOVED', async () => {
    const s = await store();
    const tip = s.tipOf('talk')!;
    await s.append('talk', { kind: 'note', text: 'a' });
    expect(await codeOf(s.append('talk', { kind: 'note', text: 'stale' }, { after: tip }))).toBe('E_MOVED');
    expect(await codeOf(s.append('talk', { kind: 'note', text: 'stale' }, { seq: 1 }))).toBe('E_MOVED');
    expect(await codeOf(s.append('nope', { kind: 'note', text: 'x' }))).toBe('E_REF');
  });
});
