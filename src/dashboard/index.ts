export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { discoverRuns, describeRun, runId, type RunInfo } from './runs.js';
export { downsampleMinMax, MetricsSeries, X_FIELDS, MAX_LINE_BYTES, type ScalarSeries } from './series.js';
export { smoothEma } from './smoothing.js';
export { dashboardPage } from './page.js';
export { plotRuns, readMetricsSeries, PLOT_VIEWS, type PlotOptions } from './plot.js';
export { compareRuns, flatten, type CompareOptions, type CompareResult } from './compare.js';
