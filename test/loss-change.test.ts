import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LossChangeDetector } from '../src/neuromod/index.js';
import { Rng } from '../src/util/rng.js';

/** Feeds `losses` through a detector; returns the steps where it found a change. */
function changesIn(losses: number[], detector: LossChangeDetector): number[] {
  const found: number[] = [];
  losses.forEach((loss, step) => {
    if (detector.settle(detector.score(loss), loss)) found.push(step);
  });
  return found;
}

/** A learned context's loss near zero with rare hard batches, then a new context's loss from `changeAt`. */
function stream(seed: number, changeAt: number, length: number): number[] {
  const rng = new Rng(seed, 5);
  return Array.from({ length }, (_, i) => {
    if (i >= changeAt) return 2.3 * Math.exp(-(i - changeAt) / 100) + 0.02 * rng.float();
    const hard = rng.float() < 0.05 ? 0.15 : 0;
    return 0.01 + 0.005 * rng.float() + hard;
  });
}

test('loss change: a new context is found within `consecutive` steps, a noisy near-zero loss is not a change', () => {
  for (let seed = 0; seed < 20; seed++) {
    const losses = stream(seed, 600, 900);
    const found = changesIn(losses, new LossChangeDetector({ refractory: 100 }));
    assert.deepEqual(found, [602], `seed ${seed}`);
  }
});

test('loss change: without the absolute rise, hard batches near zero loss raise false changes', () => {
  // The failure minRise fixes: three hard batches in a row pass the relative tests alone.
  let falseChanges = 0;
  for (let seed = 0; seed < 20; seed++) {
    const losses = stream(seed, 600, 900).map((l, i) => (i >= 300 && i < 303 ? 0.2 : l));
    const without = changesIn(losses, new LossChangeDetector({ refractory: 100, minRise: 0 }));
    const withRise = changesIn(losses, new LossChangeDetector({ refractory: 100 }));
    falseChanges += without.filter((s) => s < 600).length;
    assert.deepEqual(withRise, [602], `seed ${seed}`);
  }
  assert.ok(falseChanges >= 20, `false changes without minRise: ${falseChanges}`);
});

test('loss change: the window starts over after a change; the refractory period holds a change back', () => {
  const wobble = (levels: number[]) => levels.map((l, i) => l * (1 + 0.02 * Math.sin(i * 1.7)));
  const detector = () => new LossChangeDetector({ window: 10, refractory: 60 });
  // The new level is learned afresh, so it raises no second change once the refractory period is over.
  assert.deepEqual(changesIn(wobble([...Array(200).fill(0.5), ...Array(300).fill(3)]), detector()), [202]);
  // A change inside the refractory period stays surprising (it is kept out of the window) and is taken when the
  // period ends...
  const persists = wobble([...Array(200).fill(0.5), ...Array(50).fill(3), ...Array(300).fill(9)]);
  assert.deepEqual(changesIn(persists, detector()), [202, 263]);
  // ...unless the loss is back to the window's level by then.
  const blip = wobble([
    ...Array(200).fill(0.5),
    ...Array(50).fill(3),
    ...Array(5).fill(9),
    ...Array(300).fill(3),
  ]);
  assert.deepEqual(changesIn(blip, detector()), [202]);
});

test('loss change: settings out of range are rejected naming the field', () => {
  assert.throws(
    () => new LossChangeDetector({ window: 1 }),
    /lossChange\.window: expected an integer of at least 2, found 1/,
  );
  assert.throws(
    () => new LossChangeDetector({ threshold: 0 }),
    /lossChange\.threshold: expected a positive number/,
  );
  assert.throws(() => new LossChangeDetector({ ratio: 0.5 }), /lossChange\.ratio/);
  assert.throws(() => new LossChangeDetector({ minRise: -1 }), /lossChange\.minRise/);
  assert.throws(() => new LossChangeDetector({ consecutive: 1.5 }), /lossChange\.consecutive/);
  assert.throws(() => new LossChangeDetector({ refractory: NaN }), /lossChange\.refractory/);
});
