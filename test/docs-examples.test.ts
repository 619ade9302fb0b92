import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { REPO_ROOT, testNeeding, type Dependency } from './helpers.js';

/**
 * Every ```ts block of docs/*.md is an example that runs: each is type-checked against the built package and then
 * executed, so the docs cannot drift from the code. Blocks starting `// file: PATH` are copies of docs/examples
 * files (test/extension-points.test.ts checks and runs those). Examples import the package by its name
 * (`neuroplast/spiking`), which Node and TypeScript resolve to this checkout through package.json's exports. A block
 * whose first line is `// needs: DEPENDENCY, ...` (e.g. the V1 tables) runs where those are present and skips with
 * the reason elsewhere (never under CI=true).
 */
interface Example {
  doc: string;
  line: number;
  code: string;
  needs: Dependency[];
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const doc of readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const text = readFileSync(join(REPO_ROOT, 'docs', doc), 'utf8');
    for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      if (m[1].startsWith('// file: ')) continue;
      const needs = /^\/\/ needs: (.*)\n/.exec(m[1])?.[1].split(/,\s*/) ?? [];
      out.push({
        doc,
        line: text.slice(0, m.index).split('\n').length + 1,
        code: m[1],
        needs: needs as Dependency[],
      });
    }
  }
  return out;
}

// Inside the package, so `neuroplast/...` resolves to this checkout (a package may import itself by name).
const DIR = join(REPO_ROOT, 'build', 'doc-examples');
const found = examples();
const fileOf = (e: Example) => join(DIR, `${e.doc.replace(/\.md$/, '')}-line-${e.line}.mts`);

test('docs/: the ts examples type-check against the package', () => {
  assert.ok(found.length >= 5, `${found.length} examples found`);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const e of found) writeFileSync(fileOf(e), e.code);
  const program = ts.createProgram(found.map(fileOf), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(problems, []);
});

for (const e of found)
  testNeeding(e.needs, `docs/${e.doc} line ${e.line}: the example runs`, async () => {
    mkdirSync(DIR, { recursive: true });
    const js = ts.transpileModule(e.code, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
    const file = fileOf(e).replace(/\.mts$/, '.mjs');
    writeFileSync(file, js);
    await import(pathToFileURL(file).href);
  });
