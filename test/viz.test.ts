import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineChart } from '../src/viz/svg.js';

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
