import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { Registry } from '../util/registry.js';
import { NeuroplastError } from '../util/errors.js';
import { escapeXml } from './svg.js';
import { html, type Html } from './html.js';

/** What a run directory holds, as a report view sees it. */
export interface RunContents {
  path: string;
  /** config.json (the resolved experiment); {} when absent. */
  config: Record<string, unknown>;
  /** summary.json, or the summary the caller passed for an unfinished run; {} when absent. */
  summary: Record<string, unknown>;
  /** metrics.jsonl, one object per readable line. */
  metrics: Record<string, number | string>[];
  /** Why summary.json could not be read (bad JSON, not an object); `summary` is then empty. */
  summaryError?: string;
  /** The run's kind: config.json's task.kind, else summary.json's kind. */
  kind: string | undefined;
  /** Reads another file of the run directory (e.g. a PNG it wrote); null when it is absent. */
  readFile(name: string): Promise<Buffer | null>;
}

/**
 * A way to show a run, chosen by the run's kind and the files it holds. Task kinds register theirs; a view
 * returns the title and the body (built with `html`, which escapes every value), and the page around them (style,
 * resolved configuration) is common to all.
 */
export interface ReportView {
  readonly name: string;
  /** The task kinds whose runs it shows; absent: runs of any kind. */
  readonly kinds?: readonly string[];
  /** Among the views that fit a run, the highest priority wins (default 0), then one for the run's kind. */
  readonly priority?: number;
  /** Whether it shows this run (by its summary and files); absent: every run of its kinds. */
  matches?(run: RunContents): boolean;
  render(run: RunContents): Promise<{ title: string; body: Html }>;
}

const VIEWS = new Registry<ReportView>('report view');

/** Adds a view; `chooseReportView` says which view renders a run. */
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
    body: html`<h2>Summary</h2>${summaryTable(run.summary)}`,
  }),
};

/** A two-column table of the summary's scalar fields. */
export function summaryTable(summary: Record<string, unknown>): Html {
  const rows = Object.entries(summary)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`);
  return html`<table>${rows}</table>`;
}

/** Reads a run directory for its report (missing files read as empty; unreadable JSON is a one-line error). */
export async function readRunContents(runPath: string, summaryOverride?: object): Promise<RunContents> {
  const read = async (f: string) => fsp.readFile(join(runPath, f), 'utf8').catch(() => '');
  const readObject = async (f: string): Promise<Record<string, unknown>> => {
    const text = await read(f);
    let value: unknown;
    try {
      value = JSON.parse(text || '{}');
    } catch (err) {
      throw new NeuroplastError(`${join(runPath, f)}: invalid JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new NeuroplastError(
        `${join(runPath, f)}: expected a JSON object, found ${JSON.stringify(value)}`,
      );
    return value as Record<string, unknown>;
  };
  const config = await readObject('config.json');
  let summary = summaryOverride as Record<string, unknown> | undefined;
  let summaryError: string | undefined;
  if (!summary)
    summary = await readObject('summary.json').catch((err: unknown) => {
      if (!(err instanceof NeuroplastError)) throw err;
      summaryError = err.message;
      return {};
    });
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
    .filter((r): r is Record<string, number | string> => r !== null && typeof r === 'object');
  const task = config.task as { kind?: unknown } | undefined;
  const kind = typeof task?.kind === 'string' ? task.kind : (summary.kind as string | undefined);
  return {
    path: runPath,
    config,
    summary,
    summaryError,
    metrics,
    kind,
    // Only files directly inside the run directory: a name from a summary must not reach elsewhere.
    readFile: (name) =>
      name === basename(name) && name !== '..' && name !== '.'
        ? fsp.readFile(join(runPath, name)).catch(() => null)
        : Promise.resolve(null),
  };
}

/**
 * The view that renders a run: among the registered views whose kinds include the run's (or that take any kind)
 * and that match it, the highest priority, then one made for the run's kind, then the first registered; the
 * summary view when none fits.
 */
export function chooseReportView(run: RunContents): ReportView {
  const rank = (v: ReportView) => [v.priority ?? 0, v.kinds ? 1 : 0];
  let best: ReportView | undefined;
  for (const v of VIEWS.values()) {
    if (v.kinds && !(run.kind !== undefined && v.kinds.includes(run.kind))) continue;
    if (v.matches && !v.matches(run)) continue;
    const [p, s] = rank(v);
    if (!best || p > rank(best)[0] || (p === rank(best)[0] && s > rank(best)[1])) best = v;
  }
  return best ?? SUMMARY_VIEW;
}

/**
 * Writes a self-contained report.html (inline SVG, no scripts) for a run directory with the views registered so
 * far (`writeRunReport` from neuroplast/experiments registers the built-in kinds' views first). An unfinished run
 * has no summary.json yet; the caller may pass the summary of its finished parts instead. A damaged summary (bad
 * JSON, not an object, or one its view cannot read) gets a page with an error panel, and then the same one-line
 * error naming the file is thrown.
 */
/**
 * A part every run's report gets after its view's body, whatever the view (the dashboard registers its interactive
 * views as one). Adding one is a file and a registration line; a section that fails becomes a one-line error.
 */
export interface ReportSection {
  name: string;
  render(run: RunContents): Promise<Html>;
}

const sections = new Map<string, ReportSection>();

export function registerReportSection(section: ReportSection): void {
  sections.set(section.name, section);
}

async function renderSections(run: RunContents): Promise<Html[]> {
  const out: Html[] = [];
  for (const s of sections.values())
    out.push(
      await s
        .render(run)
        .catch(
          (err: Error) => html`<div class="error"><b>${s.name}:</b> ${err.message.split('\n')[0]}</div>`,
        ),
    );
  return out;
}

export async function renderRunReport(runPath: string, summaryOverride?: object): Promise<string> {
  const summaryPath = join(runPath, 'summary.json');
  const run = await readRunContents(runPath, summaryOverride);
  // A damaged summary still gets a page: its error, and the rest of the run.
  let problem = run.summaryError ? new NeuroplastError(run.summaryError) : null;
  let view = problem ? SUMMARY_VIEW : chooseReportView(run);
  let rendered: { title: string; body: Html };
  try {
    rendered = await view.render(run);
  } catch (err) {
    if (err instanceof NeuroplastError) throw err;
    problem = new NeuroplastError(
      `${summaryPath}: not a summary the ${view.name} view can show (${(err as Error).message})`,
    );
    view = SUMMARY_VIEW;
    rendered = await view.render(run);
  }
  const extra = await renderSections(run);
  const body = problem
    ? html`<div class="error"><b>This run's summary cannot be shown:</b> ${problem.message}</div>${rendered.body}${extra}`
    : html`${rendered.body}${extra}`;
  const out = join(runPath, 'report.html');
  await writeFileAtomic(out, page(rendered.title, body, run.config));
  // The page says what is wrong; the caller is told too (the CLI exits non-zero with the same line).
  if (problem) throw problem;
  return out;
}

/** The page around a report body: title, inline style, the resolved configuration at the end. */
function page(title: string, body: Html, config: Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}.error{background:#fdecea;border:1px solid #e0a0a0;padding:8px;margin:1em 0}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
${body.text}
<h2>Resolved configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
}
