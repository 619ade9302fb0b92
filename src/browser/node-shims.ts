/**
 * What the browser build (scripts/build-dashboard.mjs) gives modules in place of Node's built-ins: the engine and
 * the simulator import them for files, the native addon and threads, which a page does without. Path helpers and
 * machine facts work; anything that would touch files, processes or sockets throws, naming itself.
 */
function unavailable(name: string): never {
  throw new Error(`${name} needs Node: it is not available in a browser`);
}
const nodeOnly =
  (name: string) =>
  (..._args: unknown[]): never =>
    unavailable(name);

/** Every property a function that throws (fs.promises and the like). */
const nodeOnlyObject = (name: string): Record<string, (...args: unknown[]) => never> =>
  new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? nodeOnly(`${name}.${key}`) : undefined) });

// node:path (POSIX)
export const sep = '/';
export function normalize(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..' && out.length && out.at(-1) !== '..') out.pop();
    else if (part !== '..' || !abs) out.push(part);
  }
  const body = (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
  return path.endsWith('/') && body !== '/' ? `${body}/` : body;
}
export const join = (...parts: string[]) => normalize(parts.filter(Boolean).join('/'));
export const resolve = (...parts: string[]) => {
  const from = parts.reduce((acc, p) => (p.startsWith('/') ? p : `${acc}/${p}`), '/');
  return normalize(from).replace(/(.)\/$/, '$1');
};
export const dirname = (path: string) => {
  const trimmed = path.replace(/\/+$/, '');
  if (!trimmed) return path.startsWith('/') ? '/' : '.';
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : trimmed.slice(0, i);
};
export const basename = (path: string, ext = '') => {
  const b = path.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
};
export const relative = nodeOnly('path.relative');
export const isAbsolute = (path: string) => path.startsWith('/');
export const extname = (path: string) => /\.[^./]*$/.exec(basename(path))?.[0] ?? '';

// node:os: what budgets and thread counts read.
const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
export const availableParallelism = () => nav?.hardwareConcurrency ?? 1;
export const cpus = () => Array.from({ length: availableParallelism() }, () => ({}));
export const totalmem = () => (nav?.deviceMemory ?? 4) * 2 ** 30;
export const freemem = totalmem;
export const endianness = () => 'LE';
export const tmpdir = nodeOnly('os.tmpdir');
export const hostname = () => 'browser';

// node:fs and node:fs/promises
export const promises = nodeOnlyObject('fs.promises');
export const constants = {};
export const readFileSync = nodeOnly('fs.readFileSync');
export const writeFileSync = nodeOnly('fs.writeFileSync');
export const existsSync = () => false;
export const mkdirSync = nodeOnly('fs.mkdirSync');
export const openSync = nodeOnly('fs.openSync');
export const closeSync = nodeOnly('fs.closeSync');
export const fsyncSync = nodeOnly('fs.fsyncSync');
export const renameSync = nodeOnly('fs.renameSync');
export const rmSync = nodeOnly('fs.rmSync');
export const statSync = nodeOnly('fs.statSync');
export const readdirSync = nodeOnly('fs.readdirSync');
export const writeSync = nodeOnly('fs.writeSync');
export const unlinkSync = nodeOnly('fs.unlinkSync');
export const readFile = nodeOnly('fs.readFile');
export const writeFile = nodeOnly('fs.writeFile');
export const mkdir = nodeOnly('fs.mkdir');
export const open = nodeOnly('fs.open');
export const rename = nodeOnly('fs.rename');
export const rm = nodeOnly('fs.rm');
export const stat = nodeOnly('fs.stat');
export const readdir = nodeOnly('fs.readdir');

// node:crypto
export const createHash = nodeOnly('crypto.createHash');
export const randomBytes = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));
export const timingSafeEqual = nodeOnly('crypto.timingSafeEqual');

// node:worker_threads, node:module, node:net, node:url, node:process
export class Worker {
  constructor() {
    unavailable('worker_threads.Worker');
  }
}
export const workerData = undefined;
export const parentPort = null;
export const isMainThread = true;
export const createRequire = nodeOnly('module.createRequire');
export const createServer = nodeOnly('net.createServer');
export const fileURLToPath = (url: string | URL) => new URL(url).pathname;
export const pathToFileURL = (path: string) => new URL(`file://${path}`);
export const env: Record<string, string | undefined> = {};
