/** The install suite's global setup: the run's temporary folder only (it reads no shared fixtures). */
export { runDir as default } from '../helpers/global-setup.js';
