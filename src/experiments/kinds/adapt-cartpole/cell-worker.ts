/** Worker-thread entry for a cart-pole case's parallel cells (`neuroplast run --jobs N`). */
import { workerEntry } from '../../parallel.js';
import { runCartPoleCell } from './run.js';

export default workerEntry(runCartPoleCell);
