import type { ObjectStore } from '../git/objects.js';
import type { Refs } from '../git/refs.js';
import type { Store } from './store.js';

/**
 * The store's ObjectStore and Refs, which its public type keeps private: for tests and tools that
 * must reach below the façade (a test that races a compare-and-swap, a bench that re-reads packs).
 * Not exported from core/index.ts; application code uses Store's methods (readRef, moveRef,
 * readGitObject, …), which keep the store's invariants (layout.ts).
 */
export function internals(store: Store): { refs: Refs; objects: ObjectStore } {
  // Element access is TypeScript's checked way past `private`: renaming the field breaks this line.
  // biome-ignore lint/complexity/useLiteralKeys: store.ctx does not compile (ctx is private); element access is the checked way past it
  const ctx = store['ctx'];
  return { refs: ctx.refs, objects: ctx.objects };
}
