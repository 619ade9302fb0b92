/**
 * Worker-thread entry for a grid's parallel cells (`neuroplast run --jobs N`): runs one cell as its own run.
 * A user-facing error comes back as data, so the main thread can raise it again as the same kind of error (errors
 * thrown across threads lose their class).
 */
import { NeuroplastError } from '../util/errors.js';
import type { ClassificationSummary } from './classification.js';
import type { GridCell } from './grid.js';
import { runGridCell } from './runner.js';

export type CellOutcome =
  { ok: true; summary: ClassificationSummary } | { ok: false; message: string; exitCode: number };

export default async function runCellInWorker(cell: GridCell): Promise<CellOutcome> {
  try {
    return { ok: true, summary: await runGridCell(cell) };
  } catch (err) {
    if (err instanceof NeuroplastError) return { ok: false, message: err.message, exitCode: err.exitCode };
    throw err;
  }
}
