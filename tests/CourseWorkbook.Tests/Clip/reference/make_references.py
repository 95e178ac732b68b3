"""Independent reference values for the CLIP tests (run: /usr/bin/python3 make_references.py in this folder).

Needs torch, numpy and PIL (apt: python3-pil); none of them is a project dependency.
Writes, next to this script:
  tiny_clip.safetensors  a random CLIP with Hugging Face CLIPModel names (written by hand: the format is an 8-byte
                         header length, a JSON header, raw little-endian data)
  tiny_clip.json         its config, the inputs, and logits_per_image computed by the plain-torch CLIP forward below
                         (written here from the paper and HF's architecture, not from the C# code)
  info_nce.json          CLIP's symmetric loss with a learnable logit scale, and its gradient, from torch autograd
  resize.json            PIL's bicubic resize of a formula-defined image (down and up), and HF-style preprocessing
"""
import base64, json, math, struct
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.manual_seed(0)
TEXT = dict(hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2, vocab_size=20,
            max_position_embeddings=7, hidden_act="quick_gelu", layer_norm_eps=1e-5,
            bos_token_id=18, eos_token_id=19, pad_token_id=19)
VISION = dict(hidden_size=12, intermediate_size=20, num_hidden_layers=2, num_attention_heads=3, image_size=8,
              patch_size=4, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5)
PROJ = 6


def tower(prefix, c, text):
    d, i = c["hidden_size"], c["intermediate_size"]
    w = {}
    if text:
        w[prefix + "embeddings.token_embedding.weight"] = torch.randn(c["vocab_size"], d) * 0.5
        w[prefix + "embeddings.position_embedding.weight"] = torch.randn(c["max_position_embeddings"], d) * 0.5
    else:
        p = c["patch_size"]
        n = (c["image_size"] // p) ** 2 + 1
        w[prefix + "embeddings.class_embedding"] = torch.randn(d) * 0.5
        w[prefix + "embeddings.patch_embedding.weight"] = torch.randn(d, c["num_channels"], p, p) * 0.2
        w[prefix + "embeddings.position_embedding.weight"] = torch.randn(n, d) * 0.5
        w[prefix + "pre_layrnorm.weight"] = 1 + 0.1 * torch.randn(d)
        w[prefix + "pre_layrnorm.bias"] = 0.1 * torch.randn(d)
    for l in range(c["num_hidden_layers"]):
        q = f"{prefix}encoder.layers.{l}."
        for name in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            w[q + f"self_attn.{name}.weight"] = torch.randn(d, d) / math.sqrt(d)
            w[q + f"self_attn.{name}.bias"] = 0.1 * torch.randn(d)
        for n in ["layer_norm1", "layer_norm2"]:
            w[q + f"{n}.weight"] = 1 + 0.1 * torch.randn(d)
            w[q + f"{n}.bias"] = 0.1 * torch.randn(d)
        w[q + "mlp.fc1.weight"] = torch.randn(i, d) / math.sqrt(d)
        w[q + "mlp.fc1.bias"] = 0.1 * torch.randn(i)
        w[q + "mlp.fc2.weight"] = torch.randn(d, i) / math.sqrt(i)
        w[q + "mlp.fc2.bias"] = 0.1 * torch.randn(d)
    last = "final_layer_norm" if text else "post_layernorm"
    w[prefix + last + ".weight"] = 1 + 0.1 * torch.randn(d)
    w[prefix + last + ".bias"] = 0.1 * torch.randn(d)
    return w


W = {}
W.update(tower("text_model.", TEXT, True))
W.update(tower("vision_model.", VISION, False))
W["visual_projection.weight"] = torch.randn(PROJ, VISION["hidden_size"]) / math.sqrt(VISION["hidden_size"])
W["text_projection.weight"] = torch.randn(PROJ, TEXT["hidden_size"]) / math.sqrt(TEXT["hidden_size"])
W["logit_scale"] = torch.tensor(math.log(1 / 0.07))


def layer_norm(x, prefix):
    return F.layer_norm(x, x.shape[-1:], W[prefix + ".weight"], W[prefix + ".bias"], 1e-5)


def encoder(x, prefix, c, causal):
    b, t, d = x.shape
    h = c["num_attention_heads"]
    mask = torch.full((t, t), float("-inf")).triu(1) if causal else torch.zeros(t, t)
    for l in range(c["num_hidden_layers"]):
        q = f"{prefix}encoder.layers.{l}."
        lin = lambda z, n: z @ W[q + n + ".weight"].T + W[q + n + ".bias"]
        y = layer_norm(x, q + "layer_norm1")
        heads = lambda z: z.view(b, t, h, d // h).transpose(1, 2)
        qq, kk, vv = heads(lin(y, "self_attn.q_proj")), heads(lin(y, "self_attn.k_proj")), heads(lin(y, "self_attn.v_proj"))
        att = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(d // h) + mask, -1) @ vv
        x = x + lin(att.transpose(1, 2).reshape(b, t, d), "self_attn.out_proj")
        y = lin(layer_norm(x, q + "layer_norm2"), "mlp.fc1")
        x = x + lin(y * torch.sigmoid(1.702 * y), "mlp.fc2")
    return x


def text_features(ids):
    x = W["text_model.embeddings.token_embedding.weight"][ids] + \
        W["text_model.embeddings.position_embedding.weight"][: ids.shape[1]]
    x = layer_norm(encoder(x, "text_model.", TEXT, True), "text_model.final_layer_norm")
    eos = (ids == TEXT["eos_token_id"]).int().argmax(1)            # first end-of-text token
    return x[torch.arange(ids.shape[0]), eos] @ W["text_projection.weight"].T


def image_features(pixels):
    patches = F.conv2d(pixels, W["vision_model.embeddings.patch_embedding.weight"], stride=VISION["patch_size"])
    patches = patches.flatten(2).transpose(1, 2)
    cls = W["vision_model.embeddings.class_embedding"].expand(pixels.shape[0], 1, -1)
    x = torch.cat([cls, patches], 1) + W["vision_model.embeddings.position_embedding.weight"]
    x = encoder(layer_norm(x, "vision_model.pre_layrnorm"), "vision_model.", VISION, False)
    return layer_norm(x[:, 0], "vision_model.post_layernorm") @ W["visual_projection.weight"].T


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


save_safetensors("tiny_clip.safetensors", W)
pixels = torch.randn(3, 3, 8, 8)
ids = torch.tensor([[18, 5, 7, 19, 19, 19, 19], [18, 3, 3, 3, 9, 12, 19], [18, 19, 19, 19, 19, 19, 19], [18, 11, 2, 19, 19, 19, 19]])
with torch.no_grad():
    img = F.normalize(image_features(pixels), dim=1)
    txt = F.normalize(text_features(ids), dim=1)
    logits_per_image = W["logit_scale"].exp() * img @ txt.T
json.dump({"config": {"projection_dim": PROJ, "logit_scale_init_value": 2.6592, "text_config": TEXT,
                      "vision_config": VISION},
           "pixels": pixels.flatten().tolist(), "input_ids": ids.flatten().tolist(),
           "logits_per_image": logits_per_image.flatten().tolist()}, open("tiny_clip.json", "w"))

# CLIP's loss with a learnable logit scale (clamped at ln 100), both directions averaged.
a, b = torch.randn(5, 4), torch.randn(5, 4)
out = {"images": a.flatten().tolist(), "texts": b.flatten().tolist(), "cases": []}
for s0 in [math.log(1 / 0.07), 1.0, 5.0]:
    s = torch.tensor(s0, requires_grad=True)
    logits = s.clamp(max=math.log(100)).exp() * F.normalize(a, dim=1) @ F.normalize(b, dim=1).T
    target = torch.arange(5)
    loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    loss.backward()
    out["cases"].append({"logit_scale": s0, "loss": loss.item(), "grad": s.grad.item()})
json.dump(out, open("info_nce.json", "w"))


def image_from_formula(w, h):
    """The same formula as ResizeReference.Image in the C# test: stripes, a checkerboard corner and a ramp."""
    a = np.zeros((h, w, 3), dtype=np.uint8)
    for y in range(h):
        for x in range(w):
            a[y, x, 0] = (x * 37 + y * 11) % 256
            a[y, x, 1] = 255 if ((x // 3 + y // 2) % 2 == 0) else 10
            a[y, x, 2] = (x * y * 7 + 3) % 256
    return a


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


src = image_from_formula(40, 30)
mean = np.array([0.48145466, 0.4578275, 0.40821073])
std = np.array([0.26862954, 0.26130258, 0.27577711])
res = {"width": 40, "height": 30, "resized": []}
for w, h in [(17, 13), (61, 45), (40, 13)]:
    res["resized"].append({"width": w, "height": h,
                           "rgb": b64(np.asarray(Image.fromarray(src).resize((w, h), Image.BICUBIC)))})
# HF CLIPImageProcessor: shortest side 224 (the other truncated), PIL bicubic, centre crop, /255, normalise.
short, long = 30, 40
new = (int(224 * long / short), 224)
big = np.asarray(Image.fromarray(src).resize(new, Image.BICUBIC))
top, left = (big.shape[0] - 224) // 2, (big.shape[1] - 224) // 2
crop = big[top:top + 224, left:left + 224]
pv = ((crop / 255.0 - mean) / std).astype(np.float32).transpose(2, 0, 1)
res["pixel_values_sample"] = [[int(i), float(pv.flat[i])] for i in range(0, pv.size, 997)]
res["pixel_values_mean"] = [float(pv[c].mean()) for c in range(3)]
json.dump(res, open("resize.json", "w"))
print("wrote tiny_clip.safetensors, tiny_clip.json, info_nce.json, resize.json")
