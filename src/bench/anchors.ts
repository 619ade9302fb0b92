import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

/** Debian's interpreter, which sees python3-torch / python3-brian (a python3 earlier on PATH may not). */
const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Runs a Python anchor script side by side with our benchmark, on one thread, and returns its JSON line;
 * null (with the reason) when Python or the package is not installed. Anchors are dev tools, never runtime deps.
 */
export function runPythonAnchor(
  script: string,
  args: string[],
  timeoutMs = 120_000,
): { result: Record<string, unknown> | null; reason?: string } {
  if (!existsSync(DEBIAN_PYTHON)) return { result: null, reason: `${DEBIAN_PYTHON} not found` };
  const r = spawnSync(DEBIAN_PYTHON, [join(PACKAGE_ROOT, 'scripts', script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
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
