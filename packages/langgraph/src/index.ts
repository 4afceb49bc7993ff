export { AgentlogSaver, type AgentlogSaverOptions } from './saver.js';
export { namespacePrefix, segment, threadPrefix } from './names.js';
