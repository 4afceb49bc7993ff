import type { Command } from '../command.js';
import { append } from './append.js';
import { cat } from './cat.js';
import { demo } from './demo.js';
import { fork } from './fork.js';
import { init } from './init.js';
import { log } from './log.js';
import { ls } from './ls.js';
import { newCommand } from './new.js';
import { show } from './show.js';
import { verify } from './verify.js';

/** The command table: `agentlog --help` lists them in this order. */
export const commands: Command[] = [
  init,
  newCommand,
  append,
  show,
  log,
  ls,
  fork,
  cat,
  verify,
  demo,
];
