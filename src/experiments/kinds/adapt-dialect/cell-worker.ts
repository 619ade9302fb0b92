/** Worker-thread entry for a dialect case's parallel seeds (`neuroplast run --jobs N`). */
import { workerEntry } from '../../parallel.js';
import { runDialectCell } from './run.js';

export default workerEntry(runDialectCell);
