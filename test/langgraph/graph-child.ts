/**
 * Run alone (`node --import tsx test/langgraph/graph-child.ts STORE THREAD MARKER`): the graph of graph.ts on an
 * AgentlogSaver over STORE, thread THREAD: a first message, the interrupt answered "yes", then `work`
 * writes MARKER and hangs until the test kills this process with -9.
 */
import { HumanMessage } from '@langchain/core/messages';
import { Command } from '@langchain/langgraph';
import { AgentlogSaver } from '../../packages/langgraph/src/index.js';
import { buildGraph } from './graph.js';

const [store, thread, marker] = process.argv.slice(2);
const graph = buildGraph(new AgentlogSaver({ store }), { answers: ['plan: count the files'], hangMarker: marker });
// durability 'sync': LangGraph saves each checkpoint before the next step starts (its default, 'async', saves it
// while the next step runs, so a kill in that step may lose it; resuming then starts one step earlier).
const config = { configurable: { thread_id: thread }, durability: 'sync' as const };
const first = await graph.invoke({ messages: [new HumanMessage('hello')] }, config);
if (!('__interrupt__' in first)) throw new Error('the graph did not stop at its interrupt');
await graph.invoke(new Command({ resume: 'yes' }), config);
throw new Error('work returned: it should have hung until killed');
