import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';
import ts from 'typescript';
import { REPO_ROOT } from './helpers.js';

/**
 * The layers of src/, bottom to top (docs/architecture.md draws the same): a folder may import from lower layers
 * only. Root files count as folders of their own name.
 */
const LAYERS: string[][] = [
  ['util', 'version.ts'],
  ['data', 'engine'],
  ['optim', 'spiking'],
  ['tfjs', 'continual', 'browser', 'sonata'],
  ['neuromod', 'evolution', 'cortex'],
  ['viz', 'discovery', 'adapt'],
  ['experiments'],
  ['bench'],
  ['dashboard'],
  ['cli'],
  ['index.ts'],
];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));
const part = (file: string) => file.split('/')[0];

const graph = async () =>
  (
    await madge(join(REPO_ROOT, 'src'), {
      fileExtensions: ['ts'],
      tsConfig: join(REPO_ROOT, 'tsconfig.json'),
      // Type-only imports count: a cycle of types still ties two modules together.
      detectiveOptions: { ts: { skipTypeImports: false } },
    })
  ).obj();

test('src/ has no import cycle, type-only imports included', async () => {
  const result = await madge(join(REPO_ROOT, 'src'), {
    fileExtensions: ['ts'],
    tsConfig: join(REPO_ROOT, 'tsconfig.json'),
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
  assert.ok(Object.keys(result.obj()).length > 80, 'madge read the sources');
  assert.deepEqual(result.circular(), []);
});

test('imports point down the layers: no folder imports from its own layer or above', async () => {
  const upward: string[] = [];
  for (const [file, deps] of Object.entries(await graph())) {
    const from = part(file);
    assert.ok(rank.has(from), `src/${from} is not in the layer table of test/architecture.test.ts`);
    for (const dep of deps) {
      const to = part(dep);
      if (to !== from && !(rank.get(to)! < rank.get(from)!)) upward.push(`${file} -> ${dep}`);
    }
  }
  assert.deepEqual(upward, []);
});

/** Names a TypeScript module exports (declarations and re-exports), read by the compiler's parser. */
function exportedNames(path: string): string[] {
  const src = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const s of src.statements) {
    const exported =
      ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause))
      names.push(...s.exportClause.elements.map((e) => e.name.text));
    else if (exported && 'name' in s && s.name && ts.isIdentifier(s.name as ts.Node))
      names.push((s.name as ts.Identifier).text);
    else if (exported && ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
  }
  return names;
}

test('every extension point is a named, exported interface with a registry or an owner, and the map names it', () => {
  const points: [file: string, name: string][] = [
    ['src/spiking/types.ts', 'NeuronPopulation'],
    ['src/spiking/types.ts', 'SpikeSource'],
    ['src/spiking/types.ts', 'PlasticityRule'],
    ['src/spiking/types.ts', 'ModulatedRule'],
    ['src/spiking/types.ts', 'ModulatorSource'],
    ['src/spiking/types.ts', 'Monitor'],
    ['src/spiking/registries.ts', 'registerPlasticityRule'],
    ['src/spiking/registries.ts', 'registerModulatorKind'],
    ['src/data/registry.ts', 'DatasetSpec'],
    ['src/experiments/task-kind.ts', 'TaskKind'],
    ['src/experiments/task-kind.ts', 'registerTaskKind'],
    ['src/viz/report.ts', 'ReportView'],
    ['src/viz/report.ts', 'registerReportView'],
    ['src/engine/kernels/types.ts', 'Kernels'],
    ['src/engine/kernels/registry.ts', 'registerBackend'],
    ['src/engine/kernels/backend.ts', 'composeKernels'],
  ];
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  for (const [file, name] of points) {
    assert.ok(exportedNames(join(REPO_ROOT, file)).includes(name), `${file} does not export ${name}`);
    assert.ok(doc.includes(`\`${name}\``), `docs/architecture.md does not name \`${name}\``);
  }
});

test('the layer table in docs/architecture.md is the one the layering test enforces', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  const documented: string[][] = [];
  for (const m of doc.matchAll(/^\| (\d+) +\| ([^|]+)\|/gm))
    (documented[Number(m[1])] ??= []).push(...[...m[2].matchAll(/`([^`]+)`/g)].map((n) => n[1]));
  assert.deepEqual(
    documented.map((names) => [...names].sort()),
    LAYERS.map((names) => names.map((n) => n.replace(/\.ts$/, '')).sort()),
  );
});

test('the CLI loads the chart library only when it draws: no static import reaches it from src/cli/main.ts', async () => {
  const result = await madge(join(REPO_ROOT, 'src'), {
    fileExtensions: ['ts'],
    tsConfig: join(REPO_ROOT, 'tsconfig.json'),
    // What Node loads at start: value imports, not types, not import() calls.
    detectiveOptions: { ts: { skipTypeImports: true, skipAsyncImports: true } },
  });
  const deps = result.obj();
  const reached = new Set<string>();
  const walk = (f: string) => {
    if (reached.has(f)) return;
    reached.add(f);
    for (const d of deps[f] ?? []) walk(d);
  };
  walk('cli/main.ts');
  assert.ok(reached.has('dashboard/plot.ts') && reached.size > 80, `${reached.size} modules reached`);
  const charts = [...reached].filter(
    (f) => f.startsWith('dashboard/figures/') || f === 'dashboard/plot-views.ts',
  );
  assert.deepEqual(charts, []);
});
