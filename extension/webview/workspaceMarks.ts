/**
 * The panel's workspace part: a mark on the turn card holding each event that changed files (the
 * files listed under it),
 * and the actions on the workspace at the viewed event, beside the time-travel slider: its files
 * against the folder (a read-only diff editor), Restore workspace here, Compare with parent fork.
 * The host does the work (extension/src/workspaceActions.ts); this only draws and asks.
 */
import type { WebviewMessage } from '../shared/protocol.js';
import type { FileMark } from '../shared/workspaceMarks.js';

let marks: FileMark[] = [];

/** The three buttons, for the slider's row; each acts on the event the slider shows. */
export function workspaceButtons(send: (m: WebviewMessage) => void, viewSeq: () => number | undefined): HTMLElement {
  const box = document.createElement('span');
  box.className = 'workspace-actions';
  for (const [action, text, title] of [
    ['diff', 'Files here', 'Open the files as they were at this event beside the folder’s (read-only diff)'],
    ['restore', 'Restore workspace here', 'Write the files as they were at this event into the session’s folder (shows what would change first)'],
    ['compare', 'Compare with parent fork', 'The files of this fork against the timeline it left'],
  ] as const) {
    const b = document.createElement('button');
    b.className = `secondary ws-${action}`;
    b.textContent = text;
    b.title = title;
    b.addEventListener('click', () => {
      const seq = viewSeq();
      if (seq !== undefined) send({ type: 'workspace', action, seq });
    });
    box.append(b);
  }
  return box;
}

/** Keep the marks the host sent, and draw them. */
export function setFileMarks(m: FileMark[], items: HTMLElement): number {
  marks = m;
  return drawFileMarks(items);
}

/** The turn card covering event `seq` (data-first..data-last), if the page shows it. */
function cardOf(items: HTMLElement, seq: number): HTMLElement | undefined {
  for (const card of items.children as HTMLCollectionOf<HTMLElement>) {
    if (Number(card.dataset.first) <= seq && seq <= Number(card.dataset.last)) return card;
  }
  return undefined;
}

/** Draw the marks on the turn cards shown (after every render: cards come and go). Returns how many are drawn. */
export function drawFileMarks(items: HTMLElement): number {
  for (const old of items.querySelectorAll('.files-mark')) old.remove();
  let drawn = 0;
  for (const m of marks) {
    const art = cardOf(items, m.seq);
    if (!art) continue;
    const box = document.createElement('details');
    box.className = 'files-mark';
    box.dataset.markSeq = String(m.seq);
    const summary = document.createElement('summary');
    summary.textContent = `✎ #${m.seq}: ${m.files.length + m.more} file(s) changed${m.label ? ` · ${m.label}` : ''}`;
    const list = document.createElement('ul');
    for (const f of m.files) {
      const li = document.createElement('li');
      li.textContent = f;
      list.append(li);
    }
    if (m.more) {
      const li = document.createElement('li');
      li.textContent = `… and ${m.more} more`;
      list.append(li);
    }
    box.append(summary, list);
    art.append(box);
    drawn++;
  }
  return drawn;
}
