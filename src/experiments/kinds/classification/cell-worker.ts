/**
 * Worker-thread entry for a grid's parallel cells (`neuroplast run --jobs N`): runs one cell as its own run.
 */
// A worker thread starts with empty registries: register the built-in task kinds (kinds/index.ts) here too.
import '../index.js';
import { workerEntry } from '../../parallel.js';
import { runGridCell } from './grid-cell.js';

export default workerEntry(runGridCell);
