import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineChart, niceTicks } from '../src/viz/svg.js';

test('line charts scale to long runs (more points than a spread call takes) and escape their labels', () => {
  const points = Array.from({ length: 300_000 }, (_, i) => [i, Math.sin(i / 1000)] as [number, number]);
  const svg = lineChart([{ label: 'loss <train>', points }], {
    title: 'A & B',
    xLabel: 'step',
    yLabel: 'loss',
  });
  assert.match(svg, /^<svg/);
  assert.match(svg, /loss &lt;train&gt;/);
  assert.match(svg, /A &amp; B/);
  assert.match(lineChart([], { title: 'empty', xLabel: 'x', yLabel: 'y' }), /empty: no data/);
});

test('niceTicks: round steps across scales, and no runaway on a range below float resolution', () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(1e-9, 5e-9), [1e-9, 2e-9, 3e-9, 4e-9, 5e-9]);
  // A curve flat at 3.97e-8 up to rounding: two ends, not 1e11 ticks.
  const flat = niceTicks(3.973642988726678e-8, 3.9736429887266834e-8);
  assert.ok(flat.length <= 2, `${flat.length} ticks`);
  for (const [lo, hi] of [
    [-3, 7],
    [0.1, 0.1000001],
    [1e6, 1e6 + 3],
  ])
    assert.ok(niceTicks(lo, hi).length <= 21);
  const svg = lineChart(
    [
      {
        label: 'flat',
        points: [
          [1, 3.973642988726678e-8],
          [2, 3.9736429887266834e-8],
        ],
      },
    ],
    {
      title: 'flat',
      xLabel: 'x',
      yLabel: 'y',
    },
  );
  assert.match(svg, /<svg/);
});
