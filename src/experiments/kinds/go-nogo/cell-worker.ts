/** Worker-thread entry for a Go/No-Go grid's parallel cells (`neuroplast run --jobs N`). */
import { workerEntry } from '../../parallel.js';
import { runGoNoGoCell } from './cell.js';

export default workerEntry(runGoNoGoCell);
