import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, tempDir } from './helpers.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'spiking.md'), 'utf8');
/** The first ```ts block after `marker` in docs/spiking.md. */
function codeAfter(marker: string): string {
  const at = doc.indexOf(marker);
  assert.ok(at >= 0, `docs/spiking.md has "${marker}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(doc.slice(at));
  assert.ok(block, `a ts block follows "${marker}"`);
  return block[1];
}

test('docs/spiking.md: the contracts shown are those of src/spiking/types.ts', () => {
  const source = new Set(
    readFileSync(join(REPO_ROOT, 'src', 'spiking', 'types.ts'), 'utf8')
      .split('\n')
      .map((l) => l.trim()),
  );
  const shown = codeAfter('## Extension points')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('import type'));
  assert.ok(shown.length > 20);
  for (const line of shown) assert.ok(source.has(line), `not in types.ts: ${line}`);
});

test('docs/spiking.md: the modulated-rule example runs, and the dopamine pulse moves the weights', async () => {
  const module = pathToFileURL(join(REPO_ROOT, 'build', 'src', 'spiking', 'index.js')).href;
  const code = codeAfter('A reward-modulated rule driven by a dopamine pulse').replace(
    "from 'neuroplast/spiking'",
    `from '${module}'`,
  );
  assert.ok(code.includes(module), 'the example imports neuroplast/spiking');
  const file = join(tempDir(), 'example.mjs');
  writeFileSync(file, code + '\nexport { net, rule, proj, dopamine };\n');
  const ex = (await import(pathToFileURL(file).href)) as {
    net: { stepCount: number };
    rule: { modulator: number; traces: Float32Array };
    proj: { weight: Float32Array };
    dopamine: { value: number };
  };
  assert.equal(ex.net.stepCount, 3000);
  assert.equal(ex.dopamine.value, 0, 'the pulse is over');
  assert.equal(ex.rule.modulator, 0);
  const moved = Array.from(ex.proj.weight).filter((w) => w !== 0.5).length;
  assert.ok(moved > 100, `${moved} of 200 weights moved`);
});
