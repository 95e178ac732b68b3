"""Reference values for LoraTests: a LoRA and a DoRA linear layer computed with PyTorch (float64).

Run from this folder (Debian python3-torch): /usr/bin/python3 make_lora_reference.py > lora_reference.json
The inputs are closed-form (sines), so the C# test builds the same tensors without sharing a random generator.
LoRA: y = x W^T + b + s * (x A^T) B^T with s = alpha / r.
DoRA (Liu et al. 2024, as in peft): y = (m / ||W + s B A||_row) * (x W^T + s x A^T B^T) + b, the norm detached.
Loss for gradients: L = sum(y * y) / 2 ... so dL/dy = y.
"""
import json
import math
import torch

torch.set_default_dtype(torch.float64)
IN, OUT, R, BATCH, ALPHA = 6, 4, 2, 3, 4.0


def filled(rows, cols, a, b, scale):
    return torch.tensor([[scale * math.sin(a * i + b * j + 0.3) for j in range(cols)] for i in range(rows)])


W = filled(OUT, IN, 1.3, 0.7, 0.5)
bias = torch.tensor([0.1 * (k - 1.5) for k in range(OUT)])
A = filled(R, IN, 0.9, 1.7, 0.4)
B = filled(OUT, R, 2.1, 0.4, 0.3)
x = filled(BATCH, IN, 0.5, 1.1, 1.0)
s = ALPHA / R


def lora(A, B, x):
    return x @ W.T + bias + s * (x @ A.T) @ B.T


def dora(A, B, m, x):
    w = W + s * B @ A
    scale = m / w.norm(dim=1).detach()
    return scale * (x @ W.T + s * (x @ A.T) @ B.T) + bias


out = {"in": IN, "out": OUT, "r": R, "batch": BATCH, "alpha": ALPHA}
A1, B1, x1 = A.clone().requires_grad_(), B.clone().requires_grad_(), x.clone().requires_grad_()
y = lora(A1, B1, x1)
(y * y).sum().div(2).backward()
out["lora_y"] = y.detach().flatten().tolist()
out["lora_grad_A"] = A1.grad.flatten().tolist()
out["lora_grad_B"] = B1.grad.flatten().tolist()
out["lora_grad_x"] = x1.grad.flatten().tolist()
out["lora_merged_W"] = (W + s * B @ A).flatten().tolist()

m0 = W.norm(dim=1)
m = (m0 * torch.tensor([1.1, 0.9, 1.05, 0.95])).requires_grad_()   # a magnitude moved away from its init
A2, B2 = A.clone().requires_grad_(), B.clone().requires_grad_()
yd = dora(A2, B2, m, x)
(yd * yd).sum().div(2).backward()
out["dora_magnitude"] = m.detach().tolist()
out["dora_y"] = yd.detach().flatten().tolist()
out["dora_grad_m"] = m.grad.tolist()
out["dora_grad_A"] = A2.grad.flatten().tolist()
out["dora_grad_B"] = B2.grad.flatten().tolist()
wd = W + s * B @ A
out["dora_merged_W"] = ((m.detach() / wd.norm(dim=1)).unsqueeze(1) * wd).flatten().tolist()
print(json.dumps(out, indent=1))
