export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { discoverRuns, describeRun, runId, type RunInfo } from './runs.js';
export {
  downsampleMinMax,
  groupSeries,
  MetricsSeries,
  X_FIELDS,
  MAX_LINE_BYTES,
  MAX_HISTOGRAM_ROWS,
  MAX_HISTOGRAMS,
  type HistogramSeries,
  type GroupedSeries,
  type ScalarSeries,
} from './series.js';
export { smoothEma } from './smoothing.js';
export { dashboardPage } from './page.js';
export {
  plotRuns,
  plotFigure,
  listFigures,
  listSeries,
  plotViews,
  type PlotOptions,
  type FigureOptions,
} from './plot.js';
export { registerPlotView, type PlotView, type PlotFigure } from './plot-registry.js';
export { readMetricsSeries } from './runs.js';
export { compareRuns, type CompareOptions, type CompareResult } from './compare.js';
export { flatten } from './flatten.js';
export { inlineScript, interactiveReportSection, reportDataOf, scriptJson } from './report-section.js';

import { registerReportSection } from '../viz/index.js';
import { interactiveReportSection } from './report-section.js';
// Every report written where the dashboard is loaded (the CLI loads it) carries its interactive views.
registerReportSection(interactiveReportSection);
