/** Where the harness (code-shim) answers questions about the workbench's DOM; unset on a desktop run. */
export const uiUrl = process.env.AGENTLOG_UI_URL;

/**
 * Ask the harness about the workbench's DOM, or for a screenshot (the suites' one way to the page).
 * Undefined on a desktop run. A click in a webview waits (up to 10 s) for its element to be painted:
 * the panel's state can be reported before the browser shows it.
 */
export async function ui(q: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (!uiUrl) return undefined;
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(uiUrl, { method: 'POST', body: JSON.stringify(q) });
    const body = (await r.json()) as Record<string, unknown>;
    if (r.ok) return body;
    if (q.op === 'frameClick' && /nothing visible matches/.test(String(body.error)) && attempt < 40) {
      await new Promise((done) => setTimeout(done, 250));
      continue;
    }
    throw new Error(`ui ${JSON.stringify(q)}: ${String(body.error)}`);
  }
}
