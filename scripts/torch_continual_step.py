#!/usr/bin/python3
"""PyTorch anchor for `neuroplast bench continual`: the Split MNIST class-IL training step, per method.

Usage: /usr/bin/python3 scripts/torch_continual_step.py finetune|ewc|si|all SECONDS THREADS [ROUNDS]
The bench's step in context 2 of 5 (classes of contexts 0-2 active, 6 of 10 outputs): MLP 784-400-400-10 (ReLU),
batch 128, cross-entropy over the active outputs, Adam (lr 1e-3, betas 0.9/0.999), and
- ewc: + lambda/2 sum_k F_k (theta - theta*_k)^2 over 2 anchors (random positive F, as after contexts 0 and 1),
  through autograd as van de Ven & Tolias's code computes it;
- si: + c sum Omega (theta - theta*)^2, then after the optimizer step the path integral
  W += -grad * (theta_new - theta_old) (the step's gradient, penalty included, as their code takes it).
Random inputs in [0, 1) and labels of the active classes (a step's cost does not depend on the values).
Runs on torch.set_num_threads(THREADS); the caller also sets OMP/OPENBLAS_NUM_THREADS to THREADS (Debian's torch
calls OpenBLAS, which reads them at load). After a warm-up, times ROUNDS windows (default 1) of SECONDS / ROUNDS each
(per method: `all` takes about 3 x SECONDS).
Prints one JSON line: {"method", "steps_per_s" (median of the rounds), "rounds", "torch", "threads"}; with `all`, each
method's own model, the methods alternated in every round, {"methods": {name: {"steps_per_s", "rounds"}}, "torch",
"threads"}.
"""
import json
import statistics
import sys
import time

import torch

METHODS = ("finetune", "ewc", "si")
which = sys.argv[1] if len(sys.argv) > 1 else "finetune"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
if which not in METHODS + ("all",):
    raise SystemExit(f"unknown method {which} ({', '.join(METHODS)}, all)")
torch.set_num_threads(threads)
torch.manual_seed(0)
nn = torch.nn
BATCH, ACTIVE = 128, 6
LAMBDA = 1e8  # EWC's weight (van de Ven & Tolias's class-IL value; the cost does not depend on it)
C = 1e8  # SI's weight
x = torch.rand(BATCH, 784)
y = torch.randint(0, ACTIVE, (BATCH,))
ce = nn.CrossEntropyLoss()


def make_step(method):
    """One method's training step on its own model and Adam state."""
    model = nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    params = list(model.parameters())
    # EWC: two anchors (contexts 0 and 1), parameters near the current ones, small positive Fisher values.
    anchors = [[(p.detach() + 0.01 * torch.randn_like(p), torch.rand_like(p) * 1e-6) for p in params] for _ in range(2)]
    # SI: one anchor (Omega summed over the earlier contexts), the path integral W and the previous parameters.
    si_anchor = [(p.detach() + 0.01 * torch.randn_like(p), torch.rand_like(p) * 1e-6) for p in params]
    W = [torch.zeros_like(p) for p in params]
    previous = [p.detach().clone() for p in params]

    def step():
        opt.zero_grad()
        loss = ce(model(x)[:, :ACTIVE], y)
        if method == "ewc":
            penalty = 0.0
            for anchor in anchors:
                for p, (star, f) in zip(params, anchor):
                    penalty = penalty + (f * (p - star) ** 2).sum()
            loss = loss + LAMBDA / 2 * penalty
        elif method == "si":
            penalty = 0.0
            for p, (star, omega) in zip(params, si_anchor):
                penalty = penalty + (omega * (p - star) ** 2).sum()
            loss = loss + C * penalty
        loss.backward()
        if method == "si":
            grads = [p.grad.detach().clone() for p in params]
        opt.step()
        if method == "si":
            with torch.no_grad():
                for p, g, w, old in zip(params, grads, W, previous):
                    w.add_(-g * (p - old))
                    old.copy_(p)

    return step


def rate(step, window):
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < window:
        step()
        steps += 1
    return steps / (time.perf_counter() - t0)


names = METHODS if which == "all" else (which,)
steps = {m: make_step(m) for m in names}
for m in names:
    rate(steps[m], 0.3)
rates = {m: [] for m in names}
for _ in range(rounds):
    for m in names:
        rates[m].append(rate(steps[m], seconds / rounds))
out = {m: {"steps_per_s": statistics.median(r), "rounds": [round(v, 2) for v in r]} for m, r in rates.items()}
meta = {"torch": torch.__version__, "threads": torch.get_num_threads()}
print(json.dumps({"methods": out, **meta} if which == "all" else {"method": which, **out[which], **meta}))
