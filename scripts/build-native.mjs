#!/usr/bin/env node
// Builds the optional native kernels (native/kernels.c, an N-API addon) with node-gyp at install. Never fails the
// install: without a compiler or Node headers the package uses its WASM kernels. NEUROPLAST_NATIVE=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`neuroplast: ${line}`);

function nodeGyp() {
  // npm sets npm_config_node_gyp for lifecycle scripts; otherwise use the copy bundled with npm.
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((p) => p && existsSync(p) && p.endsWith('.js')) ?? null;
}

if (process.env.NEUROPLAST_NATIVE === '0') {
  say('native kernels skipped (NEUROPLAST_NATIVE=0); the WASM kernels are used');
  process.exit(0);
}
const gyp = nodeGyp();
if (!gyp) {
  say('native kernels not built (node-gyp not found); the WASM kernels are used');
  process.exit(0);
}
const args = [gyp, 'rebuild', `--directory=${join(root, 'native')}`];
// Distribution packages install Node's headers beside the binary; use them so that no download is needed.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);
const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
if (run.status === 0) {
  say('native kernels built (native/build/Release/neuroplast_native.node)');
} else {
  // node-gyp ends with version lines; the cause is in its error and stack lines or the compiler's own errors.
  const lines = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n');
  const causes = lines.filter((l) => /error:|ERR! (stack|find|configure|build)/i.test(l)).slice(0, 4);
  const shown = (causes.length > 0 ? causes : lines.slice(-5)).join('\n  ');
  say(`native kernels not built; the WASM kernels are used. node-gyp said:\n  ${shown || run.error}`);
}
