#!/usr/bin/python3
"""Golden trajectories from the reference NeuroPlastic optimizer (Sunnylincc/NeuroPlastic-Optimizer, PyTorch).

Usage: NEUROPLASTIC_REF_SRC=/path/to/NeuroPlastic-Optimizer/src NEUROPLASTIC_REF_COMMIT=sha /usr/bin/python3 \
           scripts/neuroplastic_reference_golden.py > test/golden/neuroplastic-reference.json
Runs each configuration for 12 steps (3 steps per epoch, so the warm-up gate moves) on two parameter tensors
with gradients g = c * (theta - target) + noise_t, and records the parameters after every step. The reference
starts its activity trace from zero, so our side runs with activityInit: 'zero' when comparing.
"""
import json
import os
import sys

sys.path.insert(0, os.environ["NEUROPLASTIC_REF_SRC"])
import torch  # noqa: E402
from neuroplastic_optimizer.optimizer import NeuroPlasticOptimizer  # noqa: E402
from neuroplastic_optimizer.plasticity import PlasticityConfig, PlasticityMode  # noqa: E402
from neuroplastic_optimizer.stabilization import HomeostaticConfig  # noqa: E402

STEPS = 12
PER_EPOCH = 3
g = torch.Generator().manual_seed(7)
shapes = [(5, 4), (4,)]
init = [torch.randn(s, generator=g) for s in shapes]
target = [torch.randn(s, generator=g) for s in shapes]
curv = [torch.rand(s, generator=g) * 2 + 0.1 for s in shapes]
noise = [[torch.randn(s, generator=g) * 0.3 for s in shapes] for _ in range(STEPS)]


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def run(name, ours, lr, wd=0.0, decoupled=False, grad_scale=1.0, homeostatic=None, **plasticity):
    params = [torch.nn.Parameter(t.clone()) for t in init]
    opt = NeuroPlasticOptimizer(
        params,
        lr=lr,
        weight_decay=wd,
        plasticity_config=PlasticityConfig(**plasticity),
        homeostatic_config=HomeostaticConfig(**(homeostatic or {})),
        decoupled_weight_decay=decoupled,
    )
    traj = []
    for t in range(STEPS):
        opt.set_epoch(t // PER_EPOCH + 1)
        with torch.no_grad():
            for i, p in enumerate(params):
                p.grad = grad_scale * (curv[i] * (p - target[i]) + noise[t][i])
        opt.step()
        traj.append([flat(p.detach()) for p in params])
    return {"name": name, "ours": ours, "trajectory": traj}


best = dict(warmup_epochs=2, plasticity_scale=2.0)
cases = [
    run("full-best", {"lr": 0.1, "warmupEpochs": 2, "plasticityScale": 2}, 0.1, **best),
    run("grad-only", {"lr": 0.1, "ablation": "grad-only"}, 0.1, mode=PlasticityMode.ABLATION_GRAD_ONLY),
    run("collapsed", {"lr": 0.1, "parameterwise": False, "warmupEpochs": 1}, 0.1, parameterwise=False, warmup_epochs=1),
    run(
        "no-memory",
        {"lr": 0.1, "ablation": "no-memory", "warmupEpochs": 2, "plasticityScale": 2},
        0.1,
        activity_weight=0.5,
        gradient_weight=0.5,
        memory_weight=0.0,
        **best,
    ),
    run(
        "no-homeostasis",
        {"lr": 0.05, "ablation": "no-homeostasis"},
        0.05,
        homeostatic={"max_update_norm": 1e30, "adaptation_rate": 0.0},
    ),
    run("clipped-l2", {"lr": 0.1, "weightDecay": 0.01}, 0.1, wd=0.01, grad_scale=50.0),
    run("decoupled", {"lr": 0.1, "weightDecay": 0.05, "decoupledWeightDecay": True}, 0.1, wd=0.05, decoupled=True),
    run("adamw-base", {"lr": 0.01, "base": "adamw", "weightDecay": 0.01}, 0.01, wd=0.01, hybrid_base="adamw"),
    run(
        "sgd-momentum-base",
        {"lr": 0.05, "base": "sgd-momentum", "weightDecay": 0.001, "warmupEpochs": 1},
        0.05,
        wd=0.001,
        hybrid_base="sgd_momentum",
        warmup_epochs=1,
    ),
]
print(
    json.dumps(
        {
            "reference": "Sunnylincc/NeuroPlastic-Optimizer",
            "reference_commit": os.environ.get("NEUROPLASTIC_REF_COMMIT", "unknown"),
            "torch": torch.__version__,
            "steps_per_epoch": PER_EPOCH,
            "shapes": shapes,
            "init": [flat(t) for t in init],
            "target": [flat(t) for t in target],
            "curvature": [flat(t) for t in curv],
            "noise": [[flat(n) for n in step] for step in noise],
            "cases": cases,
        }
    )
)
