"""Reference values for Nf4Tests: NF4 block quantisation of a fixed matrix, with numpy (float32).

Run from this folder: /usr/bin/python3 make_nf4_reference.py > nf4_reference.json
Levels: the published NF4 code book (bitsandbytes, QLoRA appendix E). Blocks of 64 values, absmax per block,
nearest level (ties to the lower index, as argmin does), dequantised value = level * absmax.
"""
import json
import math
import numpy as np

LEVELS = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                   -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                   0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                   0.7229568362236023, 1.0], dtype=np.float32)
ROWS, COLS, BLOCK = 4, 32, 64
w = np.array([[0.8 * math.sin(0.37 * i * COLS + 1.9 * j) * (1 + 0.5 * math.cos(0.11 * j)) for j in range(COLS)]
              for i in range(ROWS)], dtype=np.float32)
blocks = w.reshape(-1, BLOCK)
absmax = np.abs(blocks).max(axis=1)
normalized = blocks / absmax[:, None]
index = np.abs(normalized[..., None] - LEVELS).argmin(axis=-1)
deq = (LEVELS[index] * absmax[:, None]).reshape(ROWS, COLS)
print(json.dumps({"rows": ROWS, "cols": COLS, "block": BLOCK, "absmax": absmax.tolist(),
                  "index": index.reshape(-1).tolist(), "dequantized": deq.reshape(-1).tolist()}, indent=1))
