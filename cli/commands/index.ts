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
import { remote } from './remote.js';
import { push } from './push.js';
import { pull } from './pull.js';
import { clone } from './clone.js';
import { importCommand } from './import.js';
import { exportCommand } from './export.js';
import { resumeCommand } from './resume.js';
import { captureCommand } from './capture.js';
import { run } from './run.js';
import { gc } from './gc.js';
import { checkpoint } from './checkpoint.js';
import { restore } from './restore.js';
import { diff } from './diff.js';
import { textconv } from './textconv.js';
import { rename } from './rename.js';
import { status } from './status.js';
import { completion } from './completion.js';
import { deleteCommand, undelete } from './delete.js';
import { scan } from './scan.js';
import { allow } from './allow.js';
import { redact } from './redact.js';
import { searchCommand } from './search.js';
import { stats } from './stats.js';

/** The command table: `agentlog --help` lists them in this order. */
export const commands: Command[] = [
  init,
  newCommand,
  run,
  append,
  show,
  log,
  ls,
  status,
  searchCommand,
  stats,
  fork,
  rename,
  deleteCommand,
  undelete,
  checkpoint,
  restore,
  diff,
  cat,
  verify,
  scan,
  allow,
  redact,
  remote,
  push,
  pull,
  clone,
  importCommand,
  exportCommand,
  resumeCommand,
  captureCommand,
  gc,
  demo,
  textconv,
  completion,
];
