/**
 * The StateGraph the LangGraph tests and the bench run: plan (a scripted chat model) → review (an interrupt a
 * person answers) → work → answer (the model again). `work` can be told to hang once it has started (after
 * writing a marker file), so a test kills its process with -9 in the middle of the run.
 */
import * as fs from 'node:fs';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { Annotation, END, interrupt, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';

export const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export interface GraphOptions {
  /** What the scripted model answers, in order. */
  answers: string[];
  /** Hang in `work` after writing this file (the test kills the process then). */
  hangMarker?: string;
}

export function buildGraph(checkpointer: BaseCheckpointSaver, opts: GraphOptions) {
  const model = new FakeListChatModel({ responses: opts.answers });
  return new StateGraph(State)
    .addNode('plan', async (s) => ({ messages: [await model.invoke(s.messages)], steps: ['plan'] }))
    .addNode('review', () => {
      const answer = interrupt({ question: 'go ahead?' });
      return { messages: [new HumanMessage(String(answer))], steps: ['review'] };
    })
    .addNode('work', async () => {
      if (opts.hangMarker) {
        fs.writeFileSync(opts.hangMarker, String(process.pid));
        await new Promise(() => setInterval(() => {}, 1000)); // until killed
      }
      return { messages: [new AIMessage('worked')], steps: ['work'] };
    })
    .addNode('answer', async (s) => ({ messages: [await model.invoke(s.messages)], steps: ['answer'] }))
    .addEdge(START, 'plan')
    .addEdge('plan', 'review')
    .addEdge('review', 'work')
    .addEdge('work', 'answer')
    .addEdge('answer', END)
    .compile({ checkpointer });
}
