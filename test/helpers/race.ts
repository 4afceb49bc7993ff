import { internals } from '../../core/store/internals.js';
import type { Store } from '../../core/store/store.js';

/**
 * Another writer moves `ref` just as `store` first publishes to it, for real: the first
 * compareAndSwap of `ref` through the store's Refs (internals.ts) runs `move` (e.g. an append through another Store)
 * before it goes on, so it finds the ref moved. `fired`: whether that happened; `calls`: how many
 * compareAndSwap calls `store` has made since (of any ref).
 */
export function moveBeforeFirstPublish(store: Store, ref: string, move: () => Promise<unknown>): { readonly fired: boolean; readonly calls: number } {
  const { refs } = internals(store);
  const cas = refs.compareAndSwap.bind(refs);
  let fired = false;
  let calls = 0;
  refs.compareAndSwap = async (name, expected, next) => {
    calls++;
    if (!fired && name === ref) {
      fired = true;
      await move();
    }
    return cas(name, expected, next);
  };
  return {
    get fired() {
      return fired;
    },
    get calls() {
      return calls;
    },
  };
}
