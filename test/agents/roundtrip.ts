/** Helpers of the round-trip tests: a store's commits, `import --follow` in the background, what the model was sent. */
import { Store, follow, type ImportFormat, type ImportWarning } from '../../core/index.js';
import { cliOk } from '../helpers/cli.js';

/** The commits of a timeline, oldest first (empty when it does not exist). */
export function storeCommits(storeDir: string, name: string): string[] {
  const store = Store.open(storeDir);
  const tip = store.tipOf(name);
  return tip ? [...store.history(tip)].map((c) => c.oid).reverse() : [];
}

/** core's `follow` (what `import --follow` runs) on `files` until stop(); its warnings are kept. */
export function startFollow(storeDir: string, format: ImportFormat, files: string[]): { warnings: ImportWarning[]; stop: () => Promise<void> } {
  const controller = new AbortController();
  const warnings: ImportWarning[] = [];
  const running = follow(Store.open(storeDir), format, files, { signal: controller.signal, interval: 100, warn: (w) => warnings.push(w) });
  return {
    warnings,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

/** The text of each user message of an Anthropic `messages` array. */
export function userTexts(messages: { role: string; content: unknown }[]): string[] {
  return messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : (m.content as { type: string; text?: string }[]).map((b) => b.text ?? '').join('\n')));
}

/** The text of each user message of an OpenAI Responses `input` array. */
export function inputTexts(input: Record<string, unknown>[]): string[] {
  return input.filter((i) => i.type === 'message' && i.role === 'user').map((i) => (i.content as { text?: string }[]).map((c) => c.text ?? '').join('\n'));
}

/** The seq a fork left its timeline at, as `agentlog ls --json` nests it under that timeline (undefined when it is not there). */
export async function forkInLs(cwd: string, env: NodeJS.ProcessEnv, of: string, fork: string): Promise<number | undefined> {
  type T = { name: string; forkSeq?: number; forks?: T[] };
  const sessions = JSON.parse((await cliOk(cwd, ['ls', '--json'], { env })).out) as { timelines: T[] }[];
  const find = (ts: T[], parent: string | undefined): number | undefined => {
    for (const t of ts) {
      if (t.name === fork && parent === of) return t.forkSeq;
      const inner = find(t.forks ?? [], t.name);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  for (const s of sessions) {
    const seq = find(s.timelines, undefined);
    if (seq !== undefined) return seq;
  }
  return undefined;
}
