/**
 * The secrets work the host does itself, without VS Code (the commands call it; vitest too): findings
 * added to the store's allow list (one commit on refs/agentlog/allow, as `agentlog allow` does), and
 * a push refusal's findings grouped by timeline.
 */
import { type Finding, parseAllowList, readAllowList, type TimelineScan, writeAllowList } from '../../core/index.js';
import { openStore } from './storeReader.js';
import type { JobError } from './workerClient.js';

/** Add findings to the store's allow list (one commit, none when it says so already); the list's findings after. */
export async function allowFindings(dir: string, fingerprints: readonly string[], now: number): Promise<string[]> {
  const store = openStore(dir);
  const { list, commit } = readAllowList(store);
  const given = parseAllowList(fingerprints.map((f) => `finding:${f}`).join('\n'), 'the findings to allow');
  const next = parseAllowList(
    [...[...list.rules].map((r) => `rule:${r}`), ...[...new Set([...list.fingerprints, ...given.fingerprints])].map((f) => `finding:${f}`)].join('\n'),
  );
  if (next.digest !== list.digest) await writeAllowList(store, next, commit, now, `allow ${fingerprints.map((f) => `finding:${f}`).join(' ')}`.slice(0, 200));
  return [...next.fingerprints].sort();
}

/** The findings an E_SECRET refusal carries, by timeline. */
export function refusedTimelines(e: JobError): Pick<TimelineScan, 'timeline' | 'findings'>[] {
  const findings = (Array.isArray(e.data.findings) ? e.data.findings : []) as Finding[];
  const names = (Array.isArray(e.data.timelines) ? e.data.timelines : []) as string[];
  return names.map((timeline) => ({ timeline, findings: findings.filter((f) => f.timeline === timeline) }));
}
