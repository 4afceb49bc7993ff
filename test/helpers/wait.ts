/** Wait until `check` holds (polling every `everyMs`), or fail after `ms`. */
export async function until(check: () => boolean, ms = 10_000, everyMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
