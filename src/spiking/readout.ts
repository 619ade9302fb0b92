/**
 * Reading classes out of spike counts, for any spiking network that learns without labels (Diehl & Cook 2015; as in
 * BindsNET's evaluation): label each neuron with the class it answers most, then classify a response by the mean
 * count of each class's neurons (`classify`) or by proportion-weighted votes (`classifyProportion`).
 *
 * Responses are spike counts, row-major [samples x neurons]; classes are 0..classes-1.
 */
import { ConfigError } from '../util/errors.js';

/** Throws a ConfigError unless `label`, entry `index` of the array `array`, is one of the classes 0..classes-1. */
function checkLabel(array: string, label: number, index: number, classes: number): void {
  if (!(Number.isInteger(label) && label >= 0 && label < classes))
    throw new ConfigError(
      `${array}[${index}]`,
      `label ${label} is not a class: expected an integer in 0..${classes - 1} (${classes} classes)`,
    );
}

/**
 * Mean spike count of each neuron per class, [classes x neurons] (NaN rows for classes never shown). A label
 * outside 0..classes-1 is a ConfigError naming it.
 */
export function classResponses(
  responses: Int32Array,
  labels: ArrayLike<number>,
  neurons: number,
  classes = 10,
): Float64Array {
  const rates = new Float64Array(classes * neurons);
  const perClass = new Float64Array(classes);
  for (let m = 0; m < labels.length; m++) {
    const c = labels[m];
    checkLabel('labels', c, m, classes);
    perClass[c]++;
    for (let j = 0; j < neurons; j++) rates[c * neurons + j] += responses[m * neurons + j];
  }
  for (let c = 0; c < classes; c++)
    for (let j = 0; j < neurons; j++) rates[c * neurons + j] /= perClass[c] || Number.NaN;
  return rates;
}

/**
 * Assigns each neuron the class for which its mean spike count per image is highest (Diehl & Cook's labelling);
 * neurons that never fired get -1. `rates` is from `classResponses`.
 */
export function assignLabels(rates: Float64Array, neurons: number, classes = 10): Int32Array {
  const assignment = new Int32Array(neurons).fill(-1);
  for (let j = 0; j < neurons; j++) {
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const rate = rates[c * neurons + j];
      if (rate > best) {
        best = rate;
        assignment[j] = c;
      }
    }
  }
  return assignment;
}

/**
 * Each neuron's weight in BindsNET's "proportion weighting" readout: the share of its class-conditional response
 * (`classResponses`) that its assigned class takes; 0 for unassigned neurons. Computed once per labelling.
 */
export function proportionWeights(assignment: Int32Array, rates: Float64Array, classes = 10): Float64Array {
  const n = assignment.length;
  const weights = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const c = assignment[j];
    if (c < 0) continue;
    let total = 0;
    for (let q = 0; q < classes; q++) total += rates[q * n + j] || 0;
    weights[j] = rates[c * n + j] / total;
  }
  return weights;
}

/**
 * BindsNET's proportion-weighted readout, an alternative to the paper's: each neuron votes for its class with its
 * spike count times its `proportionWeights` weight.
 */
export function classifyProportion(
  counts: ArrayLike<number>,
  assignment: Int32Array,
  weights: Float64Array,
  classes = 10,
): number {
  const n = assignment.length;
  let best = -1;
  let bestScore = -1;
  for (let c = 0; c < classes; c++) {
    let score = 0;
    for (let j = 0; j < n; j++) if (assignment[j] === c) score += counts[j] * weights[j];
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** The class whose assigned neurons fired most on average (classes with no neurons score 0; ties go low). */
export function classify(counts: ArrayLike<number>, assignment: Int32Array, classes = 10): number {
  let best = -1;
  let bestScore = -1;
  for (let c = 0; c < classes; c++) {
    let sum = 0;
    let k = 0;
    for (let j = 0; j < assignment.length; j++)
      if (assignment[j] === c) {
        sum += counts[j];
        k++;
      }
    const score = k > 0 ? sum / k : 0;
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** The labels learned from responses to labelled samples: per-class mean responses, labels and vote weights. */
export interface NeuronLabels {
  /** Mean count per class and neuron, [classes x neurons] (`classResponses`). */
  rates: Float64Array;
  /** Each neuron's class, -1 for neurons that never fired (`assignLabels`). */
  assignment: Int32Array;
  /** Each neuron's proportion weight (`proportionWeights`). */
  weights: Float64Array;
  classes: number;
}

/** Labels `neurons` neurons from their responses to labelled samples. */
export function labelNeurons(
  responses: Int32Array,
  labels: ArrayLike<number>,
  neurons: number,
  classes = 10,
): NeuronLabels {
  const rates = classResponses(responses, labels, neurons, classes);
  const assignment = assignLabels(rates, neurons, classes);
  return { rates, assignment, weights: proportionWeights(assignment, rates, classes), classes };
}

/**
 * The predicted class of every sample of `responses` ([samples x neurons]): by mean count of each class's neurons
 * ('mean', the paper's readout) or by proportion-weighted votes ('proportion', BindsNET's).
 */
export function predictClasses(
  responses: Int32Array,
  labelled: NeuronLabels,
  readout: 'mean' | 'proportion' = 'mean',
): Int32Array {
  const n = labelled.assignment.length;
  const samples = n > 0 ? responses.length / n : 0;
  return Int32Array.from({ length: samples }, (_, m) => {
    const counts = responses.subarray(m * n, (m + 1) * n);
    return readout === 'mean'
      ? classify(counts, labelled.assignment, labelled.classes)
      : classifyProportion(counts, labelled.assignment, labelled.weights, labelled.classes);
  });
}

/**
 * confusion[true][predicted]: how many samples of each true class went to each predicted class. A class outside
 * 0..classes-1 on either side is a ConfigError naming it.
 */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes = 10,
): number[][] {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let m = 0; m < predicted.length; m++) {
    checkLabel('truth', truth[m], m, classes);
    checkLabel('predicted', predicted[m], m, classes);
    confusion[truth[m]][predicted[m]]++;
  }
  return confusion;
}

/** The fraction of samples predicted right; NaN when there are none. */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let correct = 0;
  for (let m = 0; m < predicted.length; m++) if (predicted[m] === truth[m]) correct++;
  return predicted.length > 0 ? correct / predicted.length : Number.NaN;
}
