import { revShadowProblem } from '../git/refs.js';
import type { Store } from '../store/store.js';

/**
 * A timeline-name slug from a title: lowercase words joined by "-", at most 40 characters; a slug
 * that would look like a commit id or a CID (a title "cafe", "2025") gets "-session" after it, since
 * such names are refused for new timelines (refs.ts revShadowProblem).
 */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  if (!s) return 'session';
  return revShadowProblem(s) ? `${s}-session` : s;
}

/** `base`, or `base-2`, `base-3`, … : the first name no timeline has. */
export function freeName(store: Store, base: string): string {
  const taken = store.timelines();
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
