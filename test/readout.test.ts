import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy,
  assignLabels,
  classResponses,
  classify,
  classifyProportion,
  confusionMatrix,
  labelNeurons,
  predictClasses,
  proportionWeights,
} from '../src/spiking/index.js';

// 4 neurons, 3 classes. Labelling responses [sample x neuron], two samples per class; neuron 3 never fires.
const responses = Int32Array.from([4, 0, 1, 0, 2, 0, 1, 0, 0, 3, 1, 0, 0, 5, 3, 0, 1, 0, 4, 0, 1, 1, 2, 0]);
const labels = [0, 0, 1, 1, 2, 2];
// Test responses and their true classes.
const test4 = Int32Array.from([2, 1, 1, 0, 1, 1, 3, 5, 2, 2, 0, 0, 0, 0, 0, 0]);
const truth = [0, 2, 1, 1];

test('readout: mean response per class, labels, proportion weights (hand-computed)', () => {
  const rates = classResponses(responses, labels, 4, 3);
  // class 0: (4 + 2) / 2, 0, (1 + 1) / 2, 0; class 1: 0, 4, 2, 0; class 2: 1, 0.5, 3, 0.
  assert.deepEqual(Array.from(rates), [3, 0, 1, 0, 0, 4, 2, 0, 1, 0.5, 3, 0]);
  const assignment = assignLabels(rates, 4, 3);
  assert.deepEqual(Array.from(assignment), [0, 1, 2, -1]);
  // Each neuron's share of its summed class responses that its own class takes.
  assert.deepEqual(Array.from(proportionWeights(assignment, rates, 3)), [3 / 4, 4 / 4.5, 3 / 6, 0]);
  const labelled = labelNeurons(responses, labels, 4, 3);
  assert.deepEqual(labelled.assignment, assignment);
  assert.deepEqual(labelled.rates, rates);
  assert.equal(labelled.classes, 3);
});

test('readout: votes by mean count and by proportion weighting, confusion matrix and accuracy (hand-computed)', () => {
  const labelled = labelNeurons(responses, labels, 4, 3);
  const { assignment, weights } = labelled;
  // [2, 1, 1, 0]: class means 2, 1, 1; weighted 1.5, 0.89, 0.5.
  assert.equal(classify([2, 1, 1, 0], assignment, 3), 0);
  assert.equal(classifyProportion([2, 1, 1, 0], assignment, weights, 3), 0);
  // [2, 2, 0, 0]: means tie 2 and 2 (ties go to the lower class); weighted 1.5 against 16 / 9 = 1.78.
  assert.equal(classify([2, 2, 0, 0], assignment, 3), 0);
  assert.equal(classifyProportion([2, 2, 0, 0], assignment, weights, 3), 1);
  // The unassigned neuron 3 does not vote.
  assert.equal(classify([1, 1, 3, 5], assignment, 3), 2);
  const mean = predictClasses(test4, labelled, 'mean');
  const proportion = predictClasses(test4, labelled, 'proportion');
  assert.deepEqual(Array.from(mean), [0, 2, 0, 0]);
  assert.deepEqual(Array.from(proportion), [0, 2, 1, 0]);
  assert.deepEqual(confusionMatrix(truth, mean, 3), [
    [1, 0, 0],
    [2, 0, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(confusionMatrix(truth, proportion, 3), [
    [1, 0, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  assert.equal(accuracy(truth, mean), 0.5);
  assert.equal(accuracy(truth, proportion), 0.75);
  assert.ok(Number.isNaN(accuracy([], [])));
});

test('readout: a label outside the classes is a one-line ConfigError naming it, its index and the class count', () => {
  const refused = (array: string, index: number, label: number) => (e: Error) =>
    e.name === 'ConfigError' &&
    e.message ===
      `${array}[${index}]: label ${label} is not a class: expected an integer in 0..2 (3 classes)`;
  // Label 3 of 3 classes: a typed-array write past the end would drop the sample silently.
  assert.throws(() => classResponses(responses, [0, 0, 1, 3, 2, 2], 4, 3), refused('labels', 3, 3));
  assert.throws(() => labelNeurons(responses, [0, 0, 1, 1, 2, 10], 4, 3), refused('labels', 5, 10));
  assert.throws(() => classResponses(responses, [0, -1, 1, 1, 2, 2], 4, 3), refused('labels', 1, -1));
  assert.throws(() => classResponses(responses, [0, 0, 1.5, 1, 2, 2], 4, 3), refused('labels', 2, 1.5));
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), refused('truth', 1, 3));
  assert.throws(() => confusionMatrix([0, 1], [4, 1], 3), refused('predicted', 0, 4));
  // The largest class is still accepted.
  assert.deepEqual(confusionMatrix([2], [2], 3), [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 1],
  ]);
});
