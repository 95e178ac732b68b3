"""Image files and what PIL reads from them, for ImageFileTests (run: /usr/bin/python3 make_images.py here).

Needs numpy and PIL (apt: python3-pil), neither a project dependency. Writes, next to this script, small images made
from formulas (no external picture) in the encodings a student's file may have, and expected.json: for each file, the
8-bit RGB bytes of Image.open(file).convert("RGB") (base64), which is where Hugging Face's CLIPImageProcessor starts,
and for photo.jpg also CLIP's preprocessing of those bytes (shortest side to 224, PIL bicubic, centre crop, CLIP's
mean and std) at fixed positions.
"""
import base64, json
import numpy as np
from PIL import Image

def formula(w, h, channels):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 7 + y * 3) % 256, (x * x + 5 * y) % 256, (255 - 4 * x + y * y) % 256, (60 + 9 * x + 13 * y) % 256]
    return np.stack(planes[:channels], axis=-1).astype(np.uint8)

files = {}
Image.fromarray(formula(37, 23, 4), "RGBA").save("rgba.png")          # alpha varies: must be dropped, not blended
Image.fromarray(formula(19, 11, 1)[..., 0], "L").save("gray.png")      # grey: replicated to three channels
pal = Image.fromarray(formula(29, 17, 3), "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT)
pal.save("palette.png")                                                # palette: expanded
smooth = np.stack([np.mgrid[0:40, 0:48][1] * 5, np.mgrid[0:40, 0:48][0] * 6,
                   128 + 60 * np.sin(np.mgrid[0:40, 0:48][1] / 5.0)], axis=-1).clip(0, 255).astype(np.uint8)
Image.fromarray(smooth, "RGB").save("photo.jpg", quality=90)           # JPEG, 4:2:0 chroma subsampling
Image.fromarray(smooth, "RGB").save("photo444.jpg", quality=95, subsampling=0)

for name in ["rgba.png", "gray.png", "palette.png", "photo.jpg", "photo444.jpg"]:
    im = Image.open(name).convert("RGB")
    files[name] = dict(width=im.width, height=im.height, rgb=base64.b64encode(im.tobytes()).decode())

# CLIP's preprocessing of photo.jpg, as CLIPImageProcessor does it (resize shortest side to 224, bicubic).
im = Image.open("photo.jpg").convert("RGB")
short, long_ = min(im.size), max(im.size)
size = (int(224 * im.width / short), 224) if im.height == short else (224, int(224 * im.height / short))
resized = im.resize(size, Image.BICUBIC)
left, top = (resized.width - 224) // 2, (resized.height - 224) // 2
cropped = np.asarray(resized.crop((left, top, left + 224, top + 224)), dtype=np.float64) / 255.0
mean = np.array([0.48145466, 0.4578275, 0.40821073]); std = np.array([0.26862954, 0.26130258, 0.27577711])
pixel_values = ((cropped - mean) / std).transpose(2, 0, 1)             # C, H, W
rng = np.random.default_rng(0)
positions = [[int(c), int(y), int(x)] for c, y, x in zip(rng.integers(0, 3, 40), rng.integers(0, 224, 40),
                                                          rng.integers(0, 224, 40))]
files["photo.jpg"]["pixel_values_at"] = [[c, y, x, float(pixel_values[c, y, x])] for c, y, x in positions]
files["photo.jpg"]["pixel_values_channel_means"] = [float(v) for v in pixel_values.mean(axis=(1, 2))]

with open("broken.png", "wb") as f:                                   # a PNG cut in half
    f.write(open("rgba.png", "rb").read()[:300])
with open("not-an-image.png", "wb") as f:
    f.write(b"This is a text file with a .png name.\n")

json.dump(files, open("expected.json", "w"), indent=1)
