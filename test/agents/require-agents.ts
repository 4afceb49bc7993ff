/**
 * The agent suite fails, with what to do, when the agents are not installed: it never skips.
 */
import { agentBinaries } from '../helpers/agents.js';

export default function setup(): void {
  agentBinaries();
}
