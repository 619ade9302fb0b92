import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

/** Debian's interpreter, which sees python3-torch / python3-brian (a python3 earlier on PATH may not). */
const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Runs a Python anchor script (in scripts/, or at an absolute path) side by side with our benchmark, on `threads` threads (one by default: OMP, OpenBLAS
 * and MKL are capped at it), with `env` added to the environment, and returns its JSON line; null (with the reason)
 * when Python or the package is not installed. Anchors are dev tools, never runtime deps.
 */
export function runPythonAnchor(
  script: string,
  args: string[],
  timeoutMs = 120_000,
  threads = 1,
  env: Record<string, string> = {},
): { result: Record<string, unknown> | null; reason?: string } {
  const n = String(threads);
  if (!existsSync(DEBIAN_PYTHON)) return { result: null, reason: `${DEBIAN_PYTHON} not found` };
  const path = isAbsolute(script) ? script : join(PACKAGE_ROOT, 'scripts', script);
  const r = spawnSync(DEBIAN_PYTHON, [path, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, ...env },
    timeout: timeoutMs,
  });
  if (r.status !== 0) {
    const why = (r.stderr || '').trim().split('\n').pop() ?? `exit ${r.status}`;
    return {
      result: null,
      reason: /No module named/.test(why) ? `${why} (apt-get install python3-torch python3-brian)` : why,
    };
  }
  try {
    return { result: JSON.parse(r.stdout.trim().split('\n').pop()!) };
  } catch {
    return { result: null, reason: `unparseable output: ${r.stdout.slice(0, 200)}` };
  }
}
