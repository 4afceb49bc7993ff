import { oneLine } from '../event/event.js';
import type { SessionInfo } from './sessions.js';
import { safe } from './transcript.js';

/**
 * Titles that tell sessions apart: a title shared by several sessions gets #1, #2, … (oldest first,
 * by the genesis event's time), so `agentlog ls` rows and the VS Code Sessions view can be told
 * apart. Sessions whose title is their own are not in the map.
 */
export function numberedTitles(sessions: SessionInfo[]): Map<SessionInfo, string> {
  const byTitle = new Map<string, SessionInfo[]>();
  for (const s of sessions) {
    const t = safe(oneLine(s.title || 'untitled', 200));
    byTitle.set(t, [...(byTitle.get(t) ?? []), s]);
  }
  const out = new Map<SessionInfo, string>();
  for (const [t, list] of byTitle) {
    if (list.length < 2) continue;
    const oldest = [...list].sort((a, b) => (Number(a.genesis.ts) || 0) - (Number(b.genesis.ts) || 0) || a.updated - b.updated);
    for (const [i, s] of oldest.entries()) out.set(s, `${t} #${i + 1}`);
  }
  return out;
}
