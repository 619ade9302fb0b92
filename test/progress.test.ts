import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../src/util/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

test('on a TTY progress redraws one bar with percent and ETA', () => {
  const f = fakeStream(true);
  const p = new Progress({ label: 'epoch 1/2', total: 10, stream: f.stream, intervalMs: 0 });
  p.update(5, 'loss 0.5');
  p.finish('done');
  const t = f.text();
  assert.match(t, /\repoch 1\/2 \[#{12}-{12}\] {2}50% ETA \d+:\d\d loss 0\.5/);
  assert.match(t, /\[#{24}\] 100% \d+:\d\d elapsed done/);
  assert.equal(t.split('\n').length, 2, 'one final newline only');
});

test('without a TTY progress prints plain periodic lines', () => {
  const f = fakeStream(false);
  const p = new Progress({ label: 'epoch 1/1', total: 4, stream: f.stream, intervalMs: 60_000 });
  p.update(1);
  p.update(2); // within the interval: not printed
  p.finish();
  const lines = f.text().trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^epoch 1\/1 {2}25% \(1\/4\) ETA/);
  assert.match(lines[1], /^epoch 1\/1 100% \(4\/4\) \d+:\d\d elapsed/);
  assert.ok(!f.text().includes('\r'));
});
