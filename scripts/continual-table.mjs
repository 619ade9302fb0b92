#!/usr/bin/env node
// The accuracy table of a continual grid run directory (finished or not) as Markdown, for docs/continual.md:
// ACC mean +- SEM over the finished seeds (n), the reference beside it, and the difference in points.
// Usage: npm run build && node scripts/continual-table.mjs RUN_DIR
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { summarizeContinualRun } = await import(
  join(root, 'build', 'src', 'experiments', 'kinds', 'continual', 'run.js')
);
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/continual-table.mjs RUN_DIR');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const s = await summarizeContinualRun(dir, cfg);
const pct = (x) => (100 * x).toFixed(1);
console.log(
  `${s.benchmark}: ${s.runs.done} of ${s.runs.total} runs finished${s.reduced ? `; reduced: ${s.reduced}` : ''}\n`,
);
console.log(`| method | ${s.scenarios.map((k) => `${k} (${s.heads[k]})`).join(' | ')} |`);
console.log(`| --- | ${s.scenarios.map(() => '---').join(' | ')} |`);
for (const m of s.methods) {
  const cells = s.scenarios.map((k) => {
    const c = s.acc[k][m];
    if (!c.n) return '-';
    const ref = s.reference?.acc[k]?.[m];
    const sem = c.n > 1 ? ` ± ${pct(c.sem)}` : '';
    return `${pct(c.mean)}${sem} (n=${c.n})${ref === undefined ? '' : ` [${pct(ref)}; ${c.mean >= ref ? '+' : ''}${pct(c.mean - ref)}]`}`;
  });
  console.log(`| ${m} | ${cells.join(' | ')} |`);
}
