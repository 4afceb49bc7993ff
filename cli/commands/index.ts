import type { Command } from '../command.js';

/** The command table: `agentlog --help` lists them in this order. */
export const commands: Command[] = [];
