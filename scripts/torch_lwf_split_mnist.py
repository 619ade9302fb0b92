#!/usr/bin/python3
"""PyTorch oracle for LwF on class- or domain-incremental Split MNIST, written from van de Ven & Tolias (2019)'s protocol and the
description of their code's distillation (not from neuroplast): does the procedure itself learn the new contexts?

Usage: /usr/bin/python3 scripts/torch_lwf_split_mnist.py SEED [ITERS=2000] [MNIST_DIR=../shared/datasets/mnist]
       [SCENARIO=class|domain]
- 5 contexts of 2 digits, the digit order permuted by the seed; MLP 784-400-400-10 (ReLU), Adam (lr 1e-3, betas
  0.9/0.999), ITERS iterations per context, batch 128 from shuffled epochs (last partial batch dropped).
- Context k (from 0): cross-entropy over the classes seen so far (outputs 0..2k+1); from k = 1 on, plus the
  distillation of the network as it was after context k-1 on the same batch: the teacher's softmax at T = 2 over its
  classes (0..2k-1) padded with zeros for the new ones, against the student's log-softmax at T = 2 over 0..2k+1,
  summed over classes, averaged over the batch, times T^2; weights 1/(k+1) (current) and k/(k+1) (distillation).
- Domain-IL: two shared outputs (the first or second digit of its context), the teacher's softmax over both.
- After each context, the accuracy on each context's test digits over the classes seen so far.
Prints one JSON line: {"seed", "iters", "scenario", "R" (R[i][j] in %), "acc" (mean of the last row)}.
"""
import copy
import gzip
import json
import os
import sys

import numpy as np
import torch

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
root = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist")
torch.set_num_threads(1)
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
T = 2.0
scenario = sys.argv[4] if len(sys.argv) > 4 else "class"
assert scenario in ("class", "domain"), f"SCENARIO: expected class or domain, found {scenario}"
domain = scenario == "domain"


def idx(name):
    with gzip.open(os.path.join(root, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(prefix):
    x = idx(f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    return torch.from_numpy(x), torch.from_numpy(idx(f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))


train_x, train_y = load("train")
test_x, test_y = load("t10k")
order = rng.permutation(10)  # order[c] is the digit that becomes class c
relabel = torch.empty(10, dtype=torch.long)
relabel[torch.from_numpy(order)] = torch.arange(10)
train_c, test_c = relabel[train_y], relabel[test_y]

model = torch.nn.Sequential(
    torch.nn.Linear(784, 400), torch.nn.ReLU(), torch.nn.Linear(400, 400), torch.nn.ReLU(), torch.nn.Linear(400, 10)
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
teacher = None
R = []
for k in range(5):
    active = 2 if domain else 2 * k + 2
    rows = torch.nonzero((train_c == 2 * k) | (train_c == 2 * k + 1)).squeeze(1)
    perm, at = rows[torch.randperm(len(rows))], 0
    for _ in range(iters):
        if at + 128 > len(perm):
            perm, at = rows[torch.randperm(len(rows))], 0
        batch = perm[at : at + 128]
        at += 128
        x, y = train_x[batch], train_c[batch] % 2 if domain else train_c[batch]
        out = model(x)[:, :active]
        loss = torch.nn.functional.cross_entropy(out, y)
        if teacher is not None:
            with torch.no_grad():
                target = torch.softmax(teacher(x)[:, : 2 if domain else 2 * k] / T, dim=1)
            if not domain:
                target = torch.cat([target, torch.zeros(len(batch), 2)], dim=1)
            kd = -(target * torch.log_softmax(out / T, dim=1)).sum(dim=1).mean() * T**2
            loss = loss / (k + 1) + kd * k / (k + 1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    teacher = copy.deepcopy(model).eval()
    with torch.no_grad():
        row = []
        for j in range(5):
            sel = (test_c == 2 * j) | (test_c == 2 * j + 1)
            pred = model(test_x[sel])[:, :active].argmax(dim=1)
            truth = test_c[sel] % 2 if domain else test_c[sel]
            row.append(round(100.0 * (pred == truth).float().mean().item(), 2))
    R.append(row)
print(json.dumps({"seed": seed, "iters": iters, "scenario": scenario, "R": R, "acc": round(sum(R[-1]) / 5, 2)}))
