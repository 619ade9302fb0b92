import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { Registry } from '../util/registry.js';
import { escapeXml } from './svg.js';

/** What a run directory holds, as a report view sees it. */
export interface RunContents {
  path: string;
  /** config.json (the resolved experiment); {} when absent. */
  config: Record<string, unknown>;
  /** summary.json, or the summary the caller passed for an unfinished run; {} when absent. */
  summary: Record<string, unknown>;
  /** metrics.jsonl, one object per readable line. */
  metrics: Record<string, number | string>[];
  /** The run's kind: config.json's task.kind, else summary.json's kind. */
  kind: string | undefined;
  /** Reads another file of the run directory (e.g. a PNG it wrote); null when it is absent. */
  readFile(name: string): Promise<Buffer | null>;
}

/**
 * A way to show a run: chosen by the run's kind and the files it holds. Task kinds register theirs; a view
 * returns the title and body, and the page around them (style, resolved configuration) is common to all.
 */
export interface ReportView {
  readonly name: string;
  matches(run: RunContents): boolean;
  render(run: RunContents): Promise<{ title: string; body: string }>;
}

const VIEWS = new Registry<ReportView>('report view');

/** Adds a view; views are tried in registration order and the first that matches renders the run. */
export function registerReportView(view: ReportView): void {
  VIEWS.register(view.name, view);
}

export function reportViewNames(): string[] {
  return VIEWS.names();
}

/** The fallback for runs no registered view claims: the summary's plain fields. */
const SUMMARY_VIEW: ReportView = {
  name: 'summary',
  matches: () => true,
  render: async (run) => ({
    title: `neuroplast run: ${String(run.config.name ?? run.path)}`,
    body: `<h2>Summary</h2>${summaryTable(run.summary)}`,
  }),
};

/** A two-column table of the summary's scalar fields. */
export function summaryTable(summary: Record<string, unknown>): string {
  const rows = Object.entries(summary)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`)
    .join('');
  return `<table>${rows}</table>`;
}

/** Reads a run directory for its report (missing files read as empty). */
export async function readRunContents(runPath: string, summaryOverride?: object): Promise<RunContents> {
  const read = async (f: string) => fsp.readFile(join(runPath, f), 'utf8').catch(() => '');
  const config = JSON.parse((await read('config.json')) || '{}') as Record<string, unknown>;
  const summary = (summaryOverride ?? JSON.parse((await read('summary.json')) || '{}')) as Record<
    string,
    unknown
  >;
  const metrics = (await read('metrics.jsonl'))
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, number | string>;
      } catch {
        return null;
      }
    })
    .filter((r): r is Record<string, number | string> => r !== null);
  const task = config.task as { kind?: unknown } | undefined;
  const kind = typeof task?.kind === 'string' ? task.kind : (summary.kind as string | undefined);
  return {
    path: runPath,
    config,
    summary,
    metrics,
    kind,
    readFile: (name) => fsp.readFile(join(runPath, name)).catch(() => null),
  };
}

/**
 * Writes a self-contained report.html (inline SVG, no scripts) for a run directory from its config.json,
 * metrics.jsonl and summary.json, with the first registered view that matches the run. An unfinished run has no
 * summary.json yet; the caller may pass the summary of its finished parts instead.
 */
export async function writeRunReport(runPath: string, summaryOverride?: object): Promise<string> {
  const run = await readRunContents(runPath, summaryOverride);
  const view = VIEWS.values().find((v) => v.matches(run)) ?? SUMMARY_VIEW;
  const { title, body } = await view.render(run);
  const out = join(runPath, 'report.html');
  await writeFileAtomic(out, page(title, body, run.config));
  return out;
}

/** The page around a report body: title, inline style, the resolved configuration at the end. */
function page(title: string, body: string, config: Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
${body}
<h2>Resolved configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
}
