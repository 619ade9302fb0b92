#!/usr/bin/python3
"""Context for `neuroplast bench optim-step`: the reference NeuroPlastic (PyTorch) step time against torch Adam.

Usage: NEUROPLASTIC_REF_SRC=/path/to/NeuroPlastic-Optimizer/src OMP_NUM_THREADS=1 /usr/bin/python3 \
           scripts/torch_optim_step.py [SECONDS]
Same parameter shapes as the bench (MLP 784-256-10), fixed random gradients, one thread. Prints one JSON line.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["NEUROPLASTIC_REF_SRC"])
import torch  # noqa: E402
from neuroplastic_optimizer.optimizer import NeuroPlasticOptimizer  # noqa: E402
from neuroplastic_optimizer.plasticity import PlasticityConfig  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
shapes = [(256, 784), (256,), (10, 256), (10,)]


def timed(make):
    params = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    for p in params:
        p.grad = torch.randn(p.shape) * 0.01
    opt = make(params)
    if hasattr(opt, "set_epoch"):
        opt.set_epoch(3)
    t_end = time.perf_counter() + 0.2
    while time.perf_counter() < t_end:
        opt.step()
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        opt.step()
        steps += 1
    return (time.perf_counter() - t0) / steps * 1000


adam = timed(lambda ps: torch.optim.Adam(ps, lr=1e-3))
neuroplastic = timed(
    lambda ps: NeuroPlasticOptimizer(ps, lr=0.1, plasticity_config=PlasticityConfig(warmup_epochs=2, plasticity_scale=2.0))
)
print(json.dumps({
    "torch": torch.__version__,
    "adam_ms": round(adam, 4),
    "neuroplastic_ms": round(neuroplastic, 4),
    "ratio_neuroplastic_vs_adam": round(neuroplastic / adam, 3),
}))
