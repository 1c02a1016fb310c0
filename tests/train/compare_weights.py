# Compares the float32 tensors of two safetensors files: exit 0 when every value agrees within a relative
# tolerance (|a - b| / (1e-3 + |a|)). Usage: compare_weights.py A B TOLERANCE
# The attention key projections' biases (the middle third of each in_proj.bias) are left out: a key bias
# adds the same number to every score of a query, which the softmax ignores, so its gradient is zero up
# to rounding and Adam turns the rounding of two ways of summing into steps of the learning rate's size.
import array
import json
import math
import struct
import sys


def load(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        if t['dtype'] != 'F32':
            sys.exit(f'{path}: {name} is {t["dtype"]}, not F32')
        begin, end = t['data_offsets']
        a = array.array('f')
        a.frombytes(body[begin:end])
        out[name] = a
    return out


a, b = load(sys.argv[1]), load(sys.argv[2])
tolerance = float(sys.argv[3])
if a.keys() != b.keys():
    sys.exit(f'different tensors: {sorted(a.keys() ^ b.keys())}')
worst, where = 0.0, ''
for name in a:
    if len(a[name]) != len(b[name]):
        sys.exit(f'{name}: {len(a[name])} values against {len(b[name])}')
    skip = range(0)
    if name.endswith('in_proj.bias'):
        d = len(a[name]) // 3
        skip = range(d, 2 * d)
    for i, (x, y) in enumerate(zip(a[name], b[name])):
        if i in skip:
            continue
        r = abs(x - y) / (1e-3 + abs(x))
        if not math.isfinite(r):
            sys.exit(f'{name}[{i}]: {x} vs {y}: not finite')
        if r > worst:
            worst, where = r, f'{name}[{i}]: {x} vs {y}'
print(f'tensors {len(a)}, largest relative difference {worst:.3g} ({where or "none"})')
sys.exit(0 if worst <= tolerance else 1)
