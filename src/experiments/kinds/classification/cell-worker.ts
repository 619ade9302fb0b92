/**
 * Worker-thread entry for a grid's parallel cells (`neuroplast run --jobs N`): runs one cell as its own run.
 * A user-facing error comes back as data, so the main thread can raise it again as the same kind of error.
 */
import { NeuroplastError } from '../../../util/errors.js';
// A worker thread starts with empty registries: register the built-in task kinds (kinds/index.ts) here too.
import '../index.js';
import type { CellOutcome, GridCell } from './grid.js';
import { runGridCell } from './grid-cell.js';

export default async function runCellInWorker(cell: GridCell): Promise<CellOutcome> {
  try {
    return { ok: true, summary: await runGridCell(cell) };
  } catch (err) {
    if (err instanceof NeuroplastError) return { ok: false, message: err.message, exitCode: err.exitCode };
    throw err;
  }
}
