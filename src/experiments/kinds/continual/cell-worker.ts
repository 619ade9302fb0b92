/**
 * Worker-thread entry for a continual grid's parallel cells (`neuroplast run --jobs N`). A user-facing error comes
 * back as data, so the main thread raises it again as the same kind of error.
 */
import { NeuroplastError } from '../../../util/errors.js';
import { runContinualCell, type ContinualCell, type ContinualCellSummary } from './cell.js';

export type CellOutcome =
  { ok: true; summary: ContinualCellSummary } | { ok: false; message: string; exitCode: number };

export default async function runCellInWorker(cell: ContinualCell): Promise<CellOutcome> {
  try {
    return { ok: true, summary: await runContinualCell(cell) };
  } catch (err) {
    if (err instanceof NeuroplastError) return { ok: false, message: err.message, exitCode: err.exitCode };
    throw err;
  }
}
