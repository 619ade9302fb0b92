/**
 * Spiking monitors in reports: for a run directory holding monitor CSVs (`Network.exportMonitors`), a raster per
 * spikes file, a population rate plot per rate file and a weight histogram over time per weights file. A section
 * any view can include (`spikingMonitorsSection`), and a view of its own for runs that have such files and no view
 * made for their kind (`spikingMonitorsView`, registered here).
 */
import { html, trustedHtml, type Html } from './html.js';
import {
  findMonitorFiles,
  hasMonitorFiles,
  readRateCsv,
  readSpikesCsv,
  readWeightsCsv,
  type MonitorFile,
  type MonitorPlotOptions,
} from './monitor-csv.js';
import { registerReportView, summaryTable, type ReportView } from './report.js';
import { populationRateSvg, spikeRasterSvg, weightHistogramSvg } from './spiking-plots.js';

/** Monitor files shown at most; the others are listed by count. */
const MAX_FILES = 24;

/** One monitor file's plot (raster, population rate or weight histogram) as SVG markup. */
export async function monitorPlotSvg(f: MonitorFile, o: MonitorPlotOptions = {}): Promise<string> {
  switch (f.kind) {
    case 'spikes': {
      const r = await readSpikesCsv(f, o);
      return spikeRasterSvg(r.data, { ...r.options, title: `Spikes of ${f.name}` });
    }
    case 'rate': {
      const r = await readRateCsv(f, o);
      return populationRateSvg(r.data, { ...o, title: `Population rate of ${f.name}` });
    }
    case 'weights': {
      const r = await readWeightsCsv(f, o);
      return weightHistogramSvg(r.data, {
        ...o,
        title: `Weights of ${f.name} (${r.synapses} sampled synapses)`,
      });
    }
  }
}

/** The first line of an error's message (the section shows one line per file that cannot be plotted). */
function oneLine(f: MonitorFile, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0];
  return first.startsWith(f.file) ? first : `${f.file}: ${first}`;
}

/**
 * The monitors of a run directory (in it or in its `monitors/` subfolder), one plot per file; a file that cannot
 * be read (malformed, over the byte budget) is one line in its place. Empty when the run has no monitor files.
 */
export async function spikingMonitorsSection(runPath: string, o: MonitorPlotOptions = {}): Promise<Html> {
  const files = findMonitorFiles(runPath);
  if (files.length === 0) return html``;
  const shown = files.slice(0, MAX_FILES);
  const items: Html[] = [];
  for (const f of shown) {
    let body: Html;
    try {
      // The plots escape every label themselves.
      body = trustedHtml(await monitorPlotSvg(f, o));
    } catch (err) {
      body = html`<p class="error">${oneLine(f, err)}</p>`;
    }
    items.push(html`<figure class="monitor" data-kind="${f.kind}">
      ${body}
      <figcaption>${f.file}</figcaption>
    </figure>`);
  }
  const more =
    files.length > shown.length
      ? html`<p>${files.length - shown.length} more monitor files not shown (at most ${MAX_FILES}).</p>`
      : html``;
  return html`<h2>Spiking monitors</h2>
    ${items}${more}`;
}

/** Runs with monitor CSVs and no view for their kind: the summary's fields, then the monitors. */
export const spikingMonitorsView: ReportView = {
  name: 'spiking-monitors',
  matches: (run) => hasMonitorFiles(run.path),
  render: async (run) => ({
    title: `neuroplast run: ${String(run.config.name ?? run.path)}`,
    body: html`<h2>Summary</h2>
      ${summaryTable(run.summary)}${await spikingMonitorsSection(run.path)}`,
  }),
};

registerReportView(spikingMonitorsView);
