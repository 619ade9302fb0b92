import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { moduleUrl, parseQueuedEvaluation, problems } from '../src/evolution/index.js';

test('package: modules resolve inside the build on any machine, register their problems, and nothing else is taken', async () => {
  const url = moduleUrl('package:discovery/index.js');
  assert.ok(url.startsWith('file:') && existsSync(fileURLToPath(url)), url);
  await import(url);
  assert.ok(problems.has('v1-change-detection'));
  assert.equal(moduleUrl('file:///x/y.js'), 'file:///x/y.js');
  for (const bad of [
    'package:../etc/passwd.js',
    'package:discovery/../../x.js',
    'package:/abs.js',
    'package:x.json',
  ])
    assert.throws(() => moduleUrl(bad), /modules: expected package:FOLDER\/FILE\.js inside the package/);
  // A queued job may name package: and file: modules, and nothing else.
  const job = (modules: unknown) => ({
    problem: 'zdt1',
    options: {},
    modules,
    x: [0.5],
    seed: 1,
    resultsKey: 'neuroplast:results:run',
  });
  assert.doesNotThrow(() => parseQueuedEvaluation(job(['package:discovery/index.js'])));
  assert.throws(
    () => parseQueuedEvaluation(job(['https://example.org/x.js'])),
    /modules: expected file: or package: URLs/,
  );
});
