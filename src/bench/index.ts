/** Benchmarks behind `neuroplast bench NAME --json`: each compares against its named anchor and prints ratios. */
import { benchGemm } from './gemm.js';
import { benchTrainCnn, benchTrainMlp } from './train.js';
import { benchOptimStep } from './optim.js';
import { benchCoba } from './coba.js';
import { benchCuba } from './cuba.js';
import { benchDiehlCook } from './diehl-cook.js';
import { benchContinual } from './continual.js';
import { benchEvolve } from './evolve.js';
import { benchV1 } from './v1.js';
import { benchV1Eval } from './v1-eval.js';

export interface BenchArgs {
  n?: number;
  seconds?: number;
  neurons?: number;
  train?: number;
  test?: number;
}

export const BENCHES: Record<
  string,
  {
    describe: string;
    run: (
      a: BenchArgs,
    ) => Promise<Record<string, unknown> | Record<string, unknown>[]> | Record<string, unknown>;
  }
> = {
  gemm: {
    describe: 'float32 GEMM n x n (default 1024), GFLOP/s per backend',
    run: (a) => benchGemm(a.n ?? 1024),
  },
  'train-mlp': {
    describe: 'MLP 784-256-10 training samples/s (batch 128, Adam) vs PyTorch on one thread',
    run: () => benchTrainMlp(),
  },
  'train-cnn': {
    describe:
      'small CNN conv32-pool-conv64-pool-dense10 training samples/s (batch 64, Adam) vs PyTorch on one thread',
    run: () => benchTrainCnn(),
  },
  'optim-step': {
    describe:
      'optimizer step time on the MLP 784-256-10 parameters, and whole training steps: NeuroPlastic vs Adam (--seconds: timing budget)',
    run: (a) => benchOptimStep(a.seconds ?? 3),
  },
  coba: {
    describe:
      'COBA network (4000 LIF, Vogels & Abbott 2005): wall s per simulated s vs Brian2 C++ standalone',
    run: (a) => benchCoba(a.seconds ?? 1),
  },
  cuba: {
    describe:
      'CUBA network (4000 current-based LIF, exact integration, as Brian2 examples/CUBA.py): wall s per simulated s vs Brian2 C++ standalone',
    run: (a) => benchCuba(a.seconds ?? 1),
  },
  'diehl-cook': {
    describe:
      'Diehl & Cook 2015 unsupervised STDP on MNIST (--neurons, --train, --test): test accuracy and wall time',
    run: (a) => benchDiehlCook({ neurons: a.neurons, train: a.train, test: a.test }),
  },
  continual: {
    describe:
      'Split MNIST class-IL training step/s (MLP 784-400-400-10, batch 128, Adam) with fine-tuning, EWC and SI vs PyTorch on 1 and 2 threads (--seconds: timing budget per method and configuration)',
    run: (a) => benchContinual({ seconds: a.seconds }),
  },
  evolve: {
    describe:
      'evaluations/s of a fixed spiking rule evaluation (300 LIF, 1 simulated s) on 1 and 2 worker threads, and on 1 and 2 Redis queue workers (loopback, when redis-server is installed): speed-ups and the queue overhead per job (--n: evaluations per timing)',
    run: (a) => benchEvolve({ evaluations: a.n }),
  },
  v1: {
    describe:
      'the mouse-V1 column at 5k, 20k, 52k (the core) and 230k neurons (--neurons: one size; --seconds: simulated): build s, wall s per simulated s, memory; Brian2 C++ standalone on the exported network beside it up to 20k',
    run: (a) => benchV1({ neurons: a.neurons, seconds: a.seconds }),
  },
  'v1-eval': {
    describe:
      'one change-detection evaluation of the rule-discovery V1 network (3k neurons; --neurons, --n random rules): wall s with plasticity off (the anchor), the paper rule and random rules, evaluations/s on 1 and 2 worker threads',
    run: (a) => benchV1Eval({ neurons: a.neurons, rules: a.n }),
  },
};
