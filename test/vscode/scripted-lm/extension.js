// Test-only extension, loaded beside agentlog in the real-VS-Code suite (test/vscode/runTest.ts): a
// language-model provider through VS Code's stable vscode.lm.registerLanguageModelChatProvider. Nothing
// is registered at activation (the suite first checks that code-server offers no model); the suite
// calls the exported register(turns) and gets back what each request carried. Each answer is the next
// scripted turn, a list of { text } and { tool, input } parts, reported as VS Code's response parts.
const vscode = require('vscode');

exports.activate = () => ({
  /** turns: the answers, in order; a request with none left answers "(no turn scripted)". */
  register(turns) {
    const requests = [];
    let calls = 0;
    const info = {
      id: 'scripted-lm',
      name: 'Scripted LM',
      family: 'scripted-lm',
      version: '1',
      maxInputTokens: 200000,
      maxOutputTokens: 8192,
      capabilities: { toolCalling: true },
    };
    const roleName = (r) =>
      r === vscode.LanguageModelChatMessageRole.Assistant ? 'assistant' : r === vscode.LanguageModelChatMessageRole.User ? 'user' : String(r);
    const partOf = (p) => {
      if (p instanceof vscode.LanguageModelTextPart) return { text: p.value };
      if (p instanceof vscode.LanguageModelToolCallPart) return { toolCall: p.name, callId: p.callId, input: p.input };
      if (p instanceof vscode.LanguageModelToolResultPart)
        return { toolResult: p.callId, text: p.content.map((c) => (c instanceof vscode.LanguageModelTextPart ? c.value : '?')).join('') };
      return { other: p?.constructor?.name ?? typeof p };
    };
    const provider = {
      provideLanguageModelChatInformation: () => [info],
      async provideLanguageModelChatResponse(model, messages, options, progress) {
        requests.push({
          model: model.id,
          messages: messages.map((m) => ({ role: roleName(m.role), parts: m.content.map(partOf) })),
          tools: (options.tools ?? []).map((t) => t.name),
        });
        for (const p of turns.shift() ?? [{ text: '(no turn scripted)' }]) {
          if ('tool' in p) progress.report(new vscode.LanguageModelToolCallPart(`scripted-call-${++calls}`, p.tool, p.input));
          else progress.report(new vscode.LanguageModelTextPart(p.text));
        }
      },
      provideTokenCount: (_model, text) => Math.ceil((typeof text === 'string' ? text.length : JSON.stringify(text).length) / 4),
    };
    const registration = vscode.lm.registerLanguageModelChatProvider('agentlog-test', provider);
    return { requests, dispose: () => registration.dispose() };
  },
});
exports.deactivate = () => {};
