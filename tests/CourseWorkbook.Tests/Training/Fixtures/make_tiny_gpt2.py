"""Writes the tiny GPT-2 fixture of Gpt2ReferenceTests: a checkpoint in Hugging Face's layout and the numbers
PyTorch computes for it. Run from this folder with Debian's python3-torch (1.13):

    python3 make_tiny_gpt2.py

It writes tiny-gpt2/config.json, tiny-gpt2/model.safetensors and tiny-gpt2/expected.json. GPT-2 is written out
below from the paper's description (pre-norm blocks, learned positions, tanh GELU, tied head); the safetensors
file is written by hand (8-byte little-endian header length, JSON header, raw little-endian tensors), so nothing
here shares code with the C# library it checks.
"""
import json, math, struct
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
V, P, D, L, H = 291, 32, 16, 2, 2   # 256 bytes + 34 merges + <|endoftext|>
eps = 1e-5

def w(*shape, s=0.2):
    return torch.randn(*shape) * s

params = {"wte.weight": w(V, D), "wpe.weight": w(P, D, s=0.1)}
for i in range(L):
    p = f"h.{i}."
    params[p + "ln_1.weight"] = 1 + w(D, s=0.1)
    params[p + "ln_1.bias"] = w(D, s=0.1)
    params[p + "attn.c_attn.weight"] = w(D, 3 * D)      # Conv1D: [in, out]
    params[p + "attn.c_attn.bias"] = w(3 * D, s=0.1)
    params[p + "attn.c_proj.weight"] = w(D, D)
    params[p + "attn.c_proj.bias"] = w(D, s=0.1)
    params[p + "ln_2.weight"] = 1 + w(D, s=0.1)
    params[p + "ln_2.bias"] = w(D, s=0.1)
    params[p + "mlp.c_fc.weight"] = w(D, 4 * D)
    params[p + "mlp.c_fc.bias"] = w(4 * D, s=0.1)
    params[p + "mlp.c_proj.weight"] = w(4 * D, D)
    params[p + "mlp.c_proj.bias"] = w(D, s=0.1)
params["ln_f.weight"] = 1 + w(D, s=0.1)
params["ln_f.bias"] = w(D, s=0.1)
for t in params.values():
    t.requires_grad_(True)

def gpt2_logits(ids, mask, positions):
    b, t = ids.shape
    x = params["wte.weight"][ids] + params["wpe.weight"][positions]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    allowed = causal[None, None] & mask.bool()[:, None, None, :]
    for i in range(L):
        p = f"h.{i}."
        a = F.layer_norm(x, (D,), params[p + "ln_1.weight"], params[p + "ln_1.bias"], eps)
        qkv = a @ params[p + "attn.c_attn.weight"] + params[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(D, dim=-1)
        heads = lambda z: z.view(b, t, H, D // H).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D // H)
        scores = scores.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        weights = torch.nan_to_num(weights, nan=0.0)     # rows of padding attend to nothing
        y = (weights @ v).transpose(1, 2).reshape(b, t, D)
        x = x + y @ params[p + "attn.c_proj.weight"] + params[p + "attn.c_proj.bias"]
        m = F.layer_norm(x, (D,), params[p + "ln_2.weight"], params[p + "ln_2.bias"], eps)
        m = F.gelu(m @ params[p + "mlp.c_fc.weight"] + params[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ params[p + "mlp.c_proj.weight"] + params[p + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (D,), params["ln_f.weight"], params["ln_f.bias"], eps)
    return x @ params["wte.weight"].T                   # tied lm_head

def collate(seqs, pad):
    t = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), t), pad, dtype=torch.long)
    mask = torch.zeros(len(seqs), t, dtype=torch.long)
    labels = torch.full((len(seqs), t), -100, dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
        mask[r, :len(s)] = 1
        labels[r, 1:len(s)] = torch.tensor(s[1:])
    positions = torch.arange(t).expand(len(seqs), t) * mask
    return ids, mask, labels, positions

PAD = V - 1   # GPT-2 has no padding token: pad with <|endoftext|>, hidden by the mask and the -100 labels

def loss_of(seqs, pad=PAD):
    ids, mask, labels, positions = collate(seqs, pad)
    logits = gpt2_logits(ids, mask, positions)
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100), logits

def grads(loss):
    for t in params.values():
        t.grad = None
    loss.backward()
    return {k: t.grad.clone() for k, t in params.items()}

seqs = [[0, 5, 9, 12, 33, 2], [0, 7, 2], [0, 40, 41, 42, 43, 44, 45, 2], [0, 3, 3, 2]]
batch_loss, logits = loss_of(seqs)
g_batch = grads(batch_loss)
singles = []
for s in seqs:
    l, _ = loss_of([s])
    singles.append((l.item(), grads(l), len(s) - 1))
n = sum(c for _, _, c in singles)
g_acc = {k: sum(g[k] * c for _, g, c in singles) / n for k in params}
identity = max(((g_batch[k] - g_acc[k]).norm() / g_acc[k].norm()).item() for k in params)

header, blobs, offset = {}, [], 0
for name, t in params.items():
    data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
header["__metadata__"] = {"format": "pt"}
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * ((8 - len(head) % 8) % 8)
import os
os.makedirs("tiny-gpt2", exist_ok=True)
with open("tiny-gpt2/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
config = {"model_type": "gpt2", "vocab_size": V, "n_positions": P, "n_embd": D, "n_layer": L, "n_head": H,
          "layer_norm_epsilon": eps, "activation_function": "gelu_new", "tie_word_embeddings": True}
with open("tiny-gpt2/config.json", "w") as f:
    json.dump(config, f, indent=2)

# A byte-level BPE vocabulary in GPT-2's format: the 256 byte symbols (GPT-2's printable stand-ins, Ġ for the
# space), 34 merges, and <|endoftext|> last, as in GPT-2 (id 50256 there, 290 here).
def byte_symbols():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    extra, symbols = 0, {}
    for b in range(256):
        if b in printable:
            symbols[b] = chr(b)
        else:
            symbols[b] = chr(256 + extra)
            extra += 1
    return [symbols[b] for b in range(256)]
merge_pairs = [("t", "h"), ("th", "e"), ("Ġ", "the"), ("Ġ", "a"), ("a", "n"), ("an", "d"), ("Ġ", "and"),
               ("i", "n"), ("in", "g"), ("e", "r"), ("o", "n"), ("Ġ", "s"), ("Ġ", "t"), ("o", "u"), ("e", "d"),
               ("Ġ", "w"), ("a", "t"), ("Ġ", "h"), ("e", "n"), ("i", "s"), ("Ġ", "o"), ("Ġ", "c"), ("a", "s"),
               ("l", "l"), ("a", "y"), ("Ġ", "p"), ("Ġ", "b"), ("o", "r"), ("Ġ", "f"), ("Ġ", "d"), ("Ġ", "l"),
               ("Ġ", "m"), ("a", "r"), ("Ġ", "i")]
tokens = byte_symbols() + [a + b for a, b in merge_pairs] + ["<|endoftext|>"]
assert len(tokens) == V and len(set(tokens)) == V
with open("tiny-gpt2/vocab.json", "w") as f:
    json.dump({t: i for i, t in enumerate(tokens)}, f)
with open("tiny-gpt2/merges.txt", "w") as f:
    f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merge_pairs))

# The reference numbers are computed from the float32-rounded weights the file holds, in float64.
with torch.no_grad():
    for name, t in params.items():
        t.copy_(t.to(torch.float32).to(torch.float64))
batch_loss, logits = loss_of(seqs)
g_batch = grads(batch_loss)
expected = {
    "sequences": seqs,
    "pad_id": PAD,
    "batch_loss": batch_loss.item(),
    "single_losses": [loss_of([s])[0].item() for s in seqs],
    "logits_row1_last_real": logits[1, 2, :8].tolist(),
    "logits_row2_position5": logits[2, 5, :8].tolist(),
    "grad_norms": {k: g.norm().item() for k, g in g_batch.items()},
    "batch_identity_max_rel_diff": identity,
}
with open("tiny-gpt2/expected.json", "w") as f:
    json.dump(expected, f, indent=1)
print(json.dumps({k: expected[k] for k in ("batch_loss", "single_losses", "batch_identity_max_rel_diff")}))
