/** Worker-thread entry for a vision case's parallel cells (`neuroplast run --jobs N`). */
import { workerEntry } from '../../parallel.js';
import { runVisionCell } from './run.js';

export default workerEntry(runVisionCell);
