import type { Store } from '../store/store.js';

/** A timeline-name slug from a title: lowercase words joined by "-", at most 40 characters. */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return s || 'session';
}

/** `base`, or `base-2`, `base-3`, … : the first name no timeline has. */
export function freeName(store: Store, base: string): string {
  const taken = store.timelines();
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
