#!/usr/bin/python3
"""Dev oracle: ten optimizer steps in PyTorch on a fixed problem; prints golden JSON for test/golden/.

Run with Debian's interpreter and python3-torch:  /usr/bin/python3 scripts/torch_optim_golden.py > test/golden/optim-torch.json
Loss: sum(0.5 * a * (p - t)^2 + 0.1 * sin(p)), so grad = a * (p - t) + 0.1 * cos(p) (float32 throughout).
"""
import json
import torch

torch.set_num_threads(1)
N = 12
p0 = [((i * 37) % 23) / 7.0 - 1.5 for i in range(N)]
a = [0.5 + (i % 5) * 0.3 for i in range(N)]
t = [((i * 11) % 7) / 3.0 - 1.0 for i in range(N)]

CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.001}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.05, "betas": (0.85, 0.99), "weight_decay": 0.1}),
]

out = {"torch": torch.__version__, "p0": p0, "a": a, "t": t, "cases": []}
A = torch.tensor(a, dtype=torch.float32)
T = torch.tensor(t, dtype=torch.float32)
for name, kw in CONFIGS:
    p = torch.tensor(p0, dtype=torch.float32, requires_grad=True)
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]([p], **kw)
    traj = []
    for _ in range(10):
        opt.zero_grad()
        loss = (0.5 * A * (p - T) ** 2 + 0.1 * torch.sin(p)).sum()
        loss.backward()
        opt.step()
        traj.append([float(v) for v in p.detach()])
    opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    out["cases"].append({"optimizer": name, "options": opts, "trajectory": traj})
print(json.dumps(out, indent=1))
