/** Seeing it: self-contained reports and plots (a local dashboard comes with a later issue). */
export { lineChart, type Series } from './svg.js';
export { writeRunReport } from './report.js';
export { receptiveFieldPng } from './receptive-fields.js';
