/** Worker-thread entry for a continual grid's parallel cells (`neuroplast run --jobs N`). */
import { workerEntry } from '../../parallel.js';
import { runContinualCell } from './cell.js';

export default workerEntry(runContinualCell);
