// The built-in kinds' views must be registered before a report's view is chosen.
import './kinds/index.js';
import { isObject, NeuroplastError } from '../util/errors.js';
import { exists } from '../util/fsx.js';
import { renderRunReport } from '../viz/index.js';
import { parseWith } from './config.js';
import { RunDir } from './run-dir.js';
import { getTaskKind, taskKindNames, type RunSummary } from './task-kind.js';

/**
 * (Re)writes a run directory's report.html with the view for its kind and files (viz's `renderRunReport`, after the
 * built-in kinds have registered their views). An unfinished run may pass the summary of its finished parts.
 */
export function writeRunReport(runPath: string, summaryOverride?: object): Promise<string> {
  return renderRunReport(runPath, summaryOverride);
}

/** What `neuroplast report` found and wrote. */
export interface RunReport {
  reportPath: string;
  /** summary.json, or an unfinished run's summary of its finished parts; null when there is neither. */
  summary: RunSummary | null;
  /** Whether `summary` covers only the finished parts of an unfinished run. */
  partial: boolean;
  /** What the run's kind says about the summary (the lines `run` prints). */
  lines: string[];
  /** Things the user should know (e.g. a kind this process does not know, shown by its summary only). */
  warnings: string[];
}

/**
 * Reads a run directory, validates its config with its kind's schema, summarises an unfinished run from its
 * finished parts where its kind can, and writes its report. A run of a kind this process does not know still gets
 * the report of its summary, with a warning. Every problem with the files is a one-line error naming the file.
 */
export async function reportRun(dir: string): Promise<RunReport> {
  const run = new RunDir(dir);
  if (!(await exists(run.configPath)))
    throw new NeuroplastError(`${dir}: not a run directory (no config.json)`, 2);
  const raw = await run.readJson<unknown>(run.configPath);
  if (!isObject(raw))
    throw new NeuroplastError(`${run.configPath}: expected a JSON object, found ${JSON.stringify(raw)}`);
  const finished = await exists(run.summaryPath);
  const readSummary = async () => {
    const s = await run.readJson<unknown>(run.summaryPath);
    if (!isObject(s) || typeof s.kind !== 'string')
      throw new NeuroplastError(
        `${run.summaryPath}: expected a JSON object with a kind, found ${JSON.stringify(s)?.slice(0, 60)}`,
      );
    return s as unknown as RunSummary;
  };
  const kindName = isObject(raw.task) ? raw.task.kind : undefined;
  if (typeof kindName !== 'string' || !taskKindNames().includes(kindName)) {
    const reportPath = await renderRunReport(dir);
    return {
      reportPath,
      summary: finished ? await readSummary() : null,
      partial: false,
      lines: [],
      warnings: [
        `${run.configPath}: task kind ${JSON.stringify(kindName)} is not registered here (known: ${taskKindNames().join(', ')}); the report shows the summary's fields only`,
      ],
    };
  }
  const kind = getTaskKind(kindName);
  const cfg = parseWith(kind.schema, raw, run.configPath);
  // A finished run's summary.json is the record; an unfinished one is summarised from its finished parts.
  const partial = finished ? null : ((await kind.partialSummary?.(dir, cfg)) ?? null);
  // The report first: a damaged summary gets a page with an error panel, then the one-line error.
  const reportPath = await renderRunReport(dir, partial ?? undefined);
  const summary = partial ?? (finished ? await readSummary() : null);
  let lines: string[] = [];
  try {
    if (summary) lines = kind.describe(summary);
  } catch (err) {
    throw new NeuroplastError(`${run.summaryPath}: not a ${kind.name} summary (${(err as Error).message})`);
  }
  return { reportPath, summary, partial: partial !== null, lines, warnings: [] };
}
