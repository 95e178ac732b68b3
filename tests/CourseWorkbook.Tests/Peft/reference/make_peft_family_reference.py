"""Reference values for VeraTests, BottleneckAdapterTests and PrefixTuningTests, computed with PyTorch (float64)
straight from the papers' equations, with fixed closed-form weights (sines), so the C# tests build the same tensors
without sharing a random generator.

Run from this folder (Debian python3-torch): /usr/bin/python3 make_peft_family_reference.py > peft_family_reference.json

VeRA (Kopiczko et al. 2023): one frozen pair A [r, max_in], B [max_out, r] shared by two layers, each using the slice
of its shape: y = x W^T + b + lambda_b * ((lambda_d * (x A_s^T)) B_s^T). Loss L = (sum y1^2 + sum y2^2) / 2.
Bottleneck adapters: f(z) = ReLU(z W_down^T + b_down) W_up^T + b_up. Sequential (Houlsby et al. 2019) after a
sublayer g: g(x) + f(g(x)); parallel (He et al. 2021) beside it: g(x) + s f(x). The sublayers: a SwiGLU MLP and a
plain linear output projection.
Prefix tuning (Li and Liang 2021): per head, softmax(q [P_k; K]^T / sqrt(d)) [P_v; V], every query seeing all P
prefix positions, the causal and padding masks on the real keys; grouped-query (2 query heads share 1 kv head);
once without and once with RoPE (half-split, positions 0..T-1, angles in float32 as HF computes them) on the real
queries and keys only. Attention itself is torch's F._scaled_dot_product_attention (PyTorch 1.13's name of
scaled_dot_product_attention) on the concatenated keys and values.
"""
import json
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def filled(rows, cols, a, b, scale):
    return torch.tensor([[scale * math.sin(a * i + b * j + 0.3) for j in range(cols)] for i in range(rows)])


def vector(n, a, scale, offset=0.0):
    return torch.tensor([offset + scale * math.sin(a * k + 0.7) for k in range(n)])


def flat(t):
    return t.detach().flatten().tolist()


out = {}

# --- VeRA: layer 1 is 6 -> 4, layer 2 is 5 -> 7; the shared pair is [3, 6] and [7, 3]
R, BATCH = 3, 3
dims = [(6, 4), (5, 7)]
A = filled(R, 6, 0.9, 1.7, 0.4)
B = filled(7, R, 2.1, 0.4, 0.3)
out["vera"] = {"r": R, "batch": BATCH, "dims": dims, "A": flat(A), "B": flat(B)}
ys, lambdas = [], []
for n, (i, o) in enumerate(dims):
    W = filled(o, i, 1.3 + n, 0.7, 0.5)
    bias = vector(o, 0.5 + n, 0.1)
    ld = vector(R, 1.1 + n, 0.05, 0.1).requires_grad_()
    lb = vector(o, 0.8 + n, 0.2).requires_grad_()
    x = filled(BATCH, i, 0.5 + n, 1.1, 1.0)
    y = x @ W.T + bias + lb * ((ld * (x @ A[:, :i].T)) @ B[:o, :].T)
    ys.append(y)
    lambdas.append((ld, lb))
    out["vera"][f"W_{n}"], out["vera"][f"bias_{n}"], out["vera"][f"x_{n}"] = flat(W), flat(bias), flat(x)
    out["vera"][f"lambda_d_{n}"] = flat(ld)
    out["vera"][f"lambda_b_{n}"] = flat(lb)
    out["vera"][f"merged_W_{n}"] = flat(W + (lb.unsqueeze(1) * B[:o, :] * ld.unsqueeze(0)) @ A[:, :i])
((ys[0] ** 2).sum() / 2 + (ys[1] ** 2).sum() / 2).backward()
for n, y in enumerate(ys):
    out["vera"][f"y_{n}"] = flat(y)
    out["vera"][f"grad_lambda_d_{n}"] = flat(lambdas[n][0].grad)
    out["vera"][f"grad_lambda_b_{n}"] = flat(lambdas[n][1].grad)

# --- bottleneck adapters: d = 6, bottleneck m = 2, MLP hidden 5, a batch of 2 sequences of 3 tokens
D, M, H, S = 6, 2, 5, 4.0
W_down, b_down = filled(M, D, 0.6, 1.3, 0.5), vector(M, 1.7, 0.1)
W_up, b_up = filled(D, M, 1.9, 0.8, 0.4), vector(D, 0.9, 0.1)
gate, up, down = filled(H, D, 1.1, 0.5, 0.4), filled(H, D, 0.7, 1.9, 0.4), filled(D, H, 1.5, 0.3, 0.4)
o_proj = filled(D, D, 0.4, 1.2, 0.4)
x = torch.tensor([[[math.sin(0.9 * t + 1.3 * j + 0.5 * b) for j in range(D)] for t in range(3)] for b in range(2)])


def f(z):
    return F.relu(z @ W_down.T + b_down) @ W_up.T + b_up


mlp = (F.silu(x @ gate.T) * (x @ up.T)) @ down.T
proj = x @ o_proj.T
out["adapter"] = {
    "d": D, "m": M, "hidden": H, "s": S, "W_down": flat(W_down), "b_down": flat(b_down), "W_up": flat(W_up),
    "b_up": flat(b_up), "gate_proj": flat(gate), "up_proj": flat(up), "down_proj": flat(down),
    "o_proj_weight": flat(o_proj), "x": flat(x),
    "mlp": flat(mlp), "sequential_mlp": flat(mlp + f(mlp)), "parallel_mlp": flat(mlp + S * f(x)),
    "o_proj": flat(proj), "sequential_o_proj": flat(proj + f(proj)),
}

# --- prefix attention: d = 8, 2 query heads, 1 kv head of size 4, P = 2 prefix positions, 2 x 3 tokens
D, HEADS, KV, HD, P, T = 8, 2, 1, 4, 2, 3
Wq, Wk, Wv, Wo = (filled(HEADS * HD, D, 0.3, 0.9, 0.3), filled(KV * HD, D, 1.2, 0.4, 0.3),
                  filled(KV * HD, D, 0.8, 1.6, 0.3), filled(D, HEADS * HD, 1.4, 0.6, 0.3))
Pk = filled(KV * P, HD, 0.5, 2.2, 0.8).view(KV, P, HD)
Pv = filled(KV * P, HD, 1.7, 0.3, 0.8).view(KV, P, HD)
x = torch.tensor([[[math.sin(0.7 * t + 0.45 * j + 0.8 * b) for j in range(D)] for t in range(T)] for b in range(2)])
padding = torch.tensor([[1, 1, 1], [1, 1, 0]])   # the second sequence ends in one padding token


def rope(z):
    half = HD // 2
    freq = 1.0 / torch.pow(torch.tensor(10000.0, dtype=torch.float32),
                           2 * torch.arange(half, dtype=torch.float32) / HD)
    angle = torch.arange(T, dtype=torch.float32).unsqueeze(1) * freq.unsqueeze(0)   # [T, half]
    cos = torch.cat([angle.cos(), angle.cos()], -1).double()
    sin = torch.cat([angle.sin(), angle.sin()], -1).double()
    rotated = torch.cat([-z[..., half:], z[..., :half]], -1)
    return z * cos + rotated * sin


def prefix_attention(with_rope, use_padding):
    q = (x @ Wq.T).view(2, T, HEADS, HD).transpose(1, 2)
    k = (x @ Wk.T).view(2, T, KV, HD).transpose(1, 2)
    v = (x @ Wv.T).view(2, T, KV, HD).transpose(1, 2)
    if with_rope:
        q, k = rope(q), rope(k)
    k = torch.cat([Pk.unsqueeze(0).expand(2, -1, -1, -1), k], 2).repeat_interleave(HEADS // KV, 1)
    v = torch.cat([Pv.unsqueeze(0).expand(2, -1, -1, -1), v], 2).repeat_interleave(HEADS // KV, 1)
    real = torch.ones(T, T, dtype=torch.bool).tril()
    if use_padding:
        real = real.unsqueeze(0) & padding.bool().unsqueeze(1)              # [2, T, T]
        mask = torch.cat([torch.ones(2, T, P, dtype=torch.bool), real], -1).unsqueeze(1)
    else:
        mask = torch.cat([torch.ones(T, P, dtype=torch.bool), real], -1)
    y, _ = F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, False)
    return y.transpose(1, 2).reshape(2, T, HEADS * HD) @ Wo.T


out["prefix"] = {
    "d": D, "heads": HEADS, "kv_heads": KV, "head_dim": HD, "prefix": P, "tokens": T,
    "padding": padding.flatten().tolist(), "q_proj": flat(Wq), "k_proj": flat(Wk), "v_proj": flat(Wv),
    "o_proj": flat(Wo), "prefix_keys": flat(Pk), "prefix_values": flat(Pv), "x": flat(x),
    "causal": flat(prefix_attention(False, False)),
    "causal_padding": flat(prefix_attention(False, True)),
    "rope_causal": flat(prefix_attention(True, False)),
}

# --- peft's VeRA projections for projection_prng_key = 0, r = 3, largest layer 6 -> 7: _kaiming_init draws A then
# B (float32, the default dtype of peft's torch.empty) from one generator: U(-sqrt(3) sqrt(2/fan_in), +...)
generator = torch.Generator().manual_seed(0)


def kaiming(rows, cols):
    bound = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(cols)
    return torch.empty(rows, cols, dtype=torch.float32).uniform_(-bound, bound, generator=generator)


out["vera_seeded"] = {"key": 0, "A": flat(kaiming(R, 6).double()), "B": flat(kaiming(7, R).double())}
print(json.dumps(out, indent=1))
