import { loadDataset } from '../data/index.js';
import { DIEHL_COOK_DEFAULTS, runDiehlCookProtocol } from '../spiking/index.js';

export interface DiehlCookBenchArgs {
  neurons?: number;
  train?: number;
  test?: number;
  label?: number;
  seed?: number;
}

/**
 * Diehl & Cook (2015) on MNIST: STDP over `train` images, neurons labelled on min(train, 10000) training images
 * (the paper labels on the training set, frozen), then `test` test images classified, with our tuned lateral
 * inhibition (40, the default). The paper reports 82.9% for 100 neurons after one pass over the 60000 images.
 */
export async function benchDiehlCook(a: DiehlCookBenchArgs): Promise<Record<string, unknown>> {
  const ds = await loadDataset('mnist');
  const train = a.train ?? ds.train.count;
  const test = a.test ?? ds.test.count;
  const t0 = performance.now();
  const { result } = await runDiehlCookProtocol(ds, {
    trainImages: train,
    labelImages: a.label ?? Math.min(train, 10000),
    testImages: test,
    seed: a.seed ?? 0,
    params: { neurons: a.neurons ?? 100 },
  });
  return {
    test_accuracy: result.testAccuracy,
    proportion_accuracy: result.proportionAccuracy,
    train_images: result.trainImages,
    label_images: result.labelImages,
    test_images: result.testImages,
    neurons: result.neurons,
    inh_to_exc_weight: DIEHL_COOK_DEFAULTS.inhToExcWeight,
    presentations: result.presentations,
    wall_s: Number(((performance.now() - t0) / 1000).toFixed(2)),
    paper_accuracy: result.neurons === 100 ? 0.829 : result.neurons === 400 ? 0.87 : undefined,
  };
}
