// Bundles the browser code: the dashboard's pages (src/dashboard/client, with uPlot) into build/dashboard/, and
// neuroplast itself for a page (src/browser: the engine and the spiking simulator) into build/browser/neuroplast.mjs
// and the live-network page's worker.
import { readFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const shims = fileURLToPath(new URL('../src/browser/node-shims.ts', import.meta.url));

/**
 * In a page, Node's built-ins become src/browser/node-shims.ts (paths work, files and threads throw when used), and
 * src/version.ts, which reads package.json at load, becomes its values.
 */
const browserPlatform = {
  name: 'neuroplast-browser',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, () => ({ path: shims }));
    b.onResolve({ filter: /(^|\/)version\.js$/ }, () => ({ path: 'version', namespace: 'neuroplast' }));
    b.onLoad({ filter: /.*/, namespace: 'neuroplast' }, () => ({
      contents: `export const VERSION = ${JSON.stringify(version)}; export const PACKAGE_ROOT = '/';`,
      loader: 'js',
    }));
  },
};

const common = { bundle: true, target: 'es2022', legalComments: 'eof', logLevel: 'warning' };
const engine = {
  ...common,
  platform: 'browser',
  format: 'esm',
  plugins: [browserPlatform],
  define: { 'process.env': '{}' },
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/dashboard/client/main.ts'],
    format: 'iife',
    minify: true,
    outfile: 'build/dashboard/app.js',
  }),
  build({
    ...common,
    entryPoints: ['src/dashboard/client/live.ts'],
    format: 'iife',
    minify: true,
    outfile: 'build/dashboard/live.js',
  }),
  // A classic worker script: a report opened from disk may start only classic workers from its inline code.
  build({
    ...engine,
    entryPoints: ['src/dashboard/client/live-worker.ts'],
    format: 'iife',
    // Only Node's kernel-thread starter reads it, and a page passes its own starter.
    define: { ...engine.define, 'import.meta.url': '"data:,"' },
    minify: true,
    outfile: 'build/dashboard/live-worker.js',
  }),
  build({ ...engine, entryPoints: ['src/browser/index.ts'], outfile: 'build/browser/neuroplast.mjs' }),
  // The kernels' second thread in a page (a classic worker script).
  build({
    ...engine,
    entryPoints: ['src/browser/kernel-thread.ts'],
    format: 'iife',
    minify: true,
    outfile: 'build/browser/kernel-thread.js',
  }),
]);
