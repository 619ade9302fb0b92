/** Seeing it: self-contained reports and plots (a local dashboard comes with a later issue). */
export { lineChart, escapeXml, type Series } from './svg.js';
export { html, trustedHtml, Html } from './html.js';
export {
  renderRunReport,
  readRunContents,
  chooseReportView,
  registerReportView,
  reportViewNames,
  summaryTable,
  type ReportView,
  type RunContents,
} from './report.js';
export { receptiveFieldPng } from './receptive-fields.js';
