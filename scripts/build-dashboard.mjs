// Bundles the dashboard's browser code (src/dashboard/client) with uPlot into build/dashboard/app.js and app.css.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/dashboard/client/main.ts'],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  legalComments: 'eof',
  outfile: 'build/dashboard/app.js',
  logLevel: 'warning',
});
