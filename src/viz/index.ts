/** Seeing it: self-contained reports and plots (a local dashboard comes with a later issue). */
export { lineChart, escapeXml, type Series } from './svg.js';
export { heatmapSvg, type HeatmapOptions } from './heatmap.js';
export { html, trustedHtml, Html } from './html.js';
export {
  renderRunReport,
  readRunContents,
  chooseReportView,
  registerReportView,
  registerReportSection,
  type ReportSection,
  reportViewNames,
  summaryTable,
  type ReportView,
  type RunContents,
} from './report.js';
export { receptiveFieldPng } from './receptive-fields.js';
export { weightTilesPng, weightMatrixPng, MAX_MATRIX_SIDE, type WeightTiles } from './weights.js';
export {
  spikeRasterSvg,
  spikeRasterPng,
  populationRateSvg,
  populationRatePng,
  weightHistogramSvg,
  weightHistogramPng,
  RasterDensity,
  RateEnvelope,
  WeightHistogram,
  type PlotOptions,
  type SpikeTrains,
  type RasterOptions,
  type RateSeries,
  type RateOptions,
  type WeightSamples,
  type WeightHistogramOptions,
} from './spiking-plots.js';
export {
  findMonitorFiles,
  hasMonitorFiles,
  readSpikesCsv,
  readRateCsv,
  readWeightsCsv,
  MonitorCsvError,
  MONITOR_CSV_BYTES,
  MONITOR_NAME,
  type MonitorFile,
  type MonitorKind,
} from './monitor-csv.js';
// Importing the section registers its view (runs with monitor CSVs and no view for their kind).
export { monitorPlotSvg, spikingMonitorsSection, spikingMonitorsView } from './spiking-report.js';
