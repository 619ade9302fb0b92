import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendNames, getBackend, type Kernels } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/engine/kernels/native.js';

/** Repository root (tests run from build/test). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Team-provided material beside the repository (byte-exact dataset originals, CIFAR-10 subset). */
export const SHARED = process.env.NEUROPLAST_SHARED ?? join(REPO_ROOT, '..', 'shared');
export const SHARED_DATASETS = join(SHARED, 'datasets');
export const CLI = join(REPO_ROOT, 'bin', 'neuroplast.js');

if (!existsSync(SHARED_DATASETS)) {
  throw new Error(`tests need the shared datasets at ${SHARED_DATASETS} (set NEUROPLAST_SHARED)`);
}

export function tempDir(prefix = 'np-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process with an isolated cache unless the caller's env overrides it. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, NEUROPLAST_CACHE: join(tmpdir(), 'np-test-cache-unused'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the experiment in a child process that SIGKILLs itself right after its `killAtStep` checkpoint. */
export function runAndKill(
  expPath: string,
  out: string,
  killAtStep: number,
): Promise<{ signal: NodeJS.Signals | null }> {
  const script = `
    import { runExperiment } from ${JSON.stringify(join(REPO_ROOT, 'build', 'src', 'experiments', 'index.js'))};
    await runExperiment({ experimentPath: ${JSON.stringify(expPath)}, outDir: ${JSON.stringify(out)}, quiet: true,
      onCheckpoint: (step) => { if (step === ${killAtStep}) process.kill(process.pid, 'SIGKILL'); } });
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    child.on('close', (_code, signal) => resolve({ signal }));
  });
}

/**
 * Every registered kernel backend by name, the native one once per GEMM vector width this CPU runs (8, and 16 with
 * AVX-512), so agreement tests cover each fast path. Native variants run on one thread: the kernel thread has its
 * own addon instance at the default width.
 */
export function* backendVariants(): Generator<[string, Kernels]> {
  for (const name of backendNames()) {
    const k = getBackend(name);
    const addon = name === 'native' ? loadNativeAddon() : null;
    if (!addon) {
      yield [name, k];
      continue;
    }
    k.setThreads!(1);
    try {
      for (const width of [8, 16] as const)
        if (addon.useVectorWidth(width) === width) yield [`native/${width}`, k];
    } finally {
      addon.useVectorWidth(16);
      k.setThreads!(2);
    }
  }
}
