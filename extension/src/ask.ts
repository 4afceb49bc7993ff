/**
 * The modal questions of the secrets commands (Redact…, Push's warning), asked in one place. VS Code
 * refuses modal dialogs while extension tests run (they resolve as cancelled), so a caller may give
 * the answers (`answers`, as agentlog.restoreWorkspaceHere takes them) and the extension's API may
 * queue answers for questions asked from a panel's button (`preanswer`); each question asked is kept
 * (its words, never a secret: findings are masked) for the API's `asked()`.
 */
import * as vscode from 'vscode';

export interface Question {
  message: string;
  detail: string;
  buttons: readonly string[];
  answer: string | undefined;
}

const queued: (string | undefined)[] = [];
const log: Question[] = [];

/** Ask `message` (modal, `detail` below it) with `buttons`; the button chosen, or undefined (Cancel). */
export async function ask(message: string, detail: string, buttons: readonly string[], answers?: (string | undefined)[]): Promise<string | undefined> {
  const given = answers ?? (queued.length ? queued : undefined);
  const answer = given ? given.shift() : await vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons);
  const chosen = answer !== undefined && buttons.includes(answer) ? answer : undefined;
  log.push({ message, detail, buttons, answer: chosen });
  if (log.length > 50) log.shift();
  return chosen;
}

/** Answers for the next questions (undefined: Cancel), for tests driving a panel's buttons. */
export function preanswer(answers: (string | undefined)[]): void {
  queued.push(...answers);
}

/** The questions asked so far (newest last). */
export function asked(): Question[] {
  return [...log];
}
