#!/usr/bin/env python3
"""Runs a scenario (stdin) through the reference oracle (shared/tools/kernel-oracle/bpf_oracle.py,
path in argv[1]) with bpf(), close() and fdinfo replaced by a deterministic fake, and prints, as
one JSON document, every bpf() call the oracle made (command, size, attr bytes with pointers
replaced by what they point to) and the result lines it printed. executor.test.ts drives the TS
executor with the same fake and expects the same calls and lines."""
import ctypes, json, sys

sys.path.insert(0, sys.argv[1])
import bpf_oracle  # noqa: E402

calls = []
maps = {}  # fd -> (key_size, value_size)
next_fd = [3]
PTRS = {  # cmd -> [(offset, kind)]
    1: [(8, "key"), (16, "out")], 2: [(8, "key"), (16, "value")], 3: [(8, "key")],
    4: [(8, "key"), (16, "out")], 21: [(8, "key"), (16, "out")],
    5: [(8, "insns"), (16, "cstr"), (32, "out"), (120, "fd4")],
    10: [(16, "data_in"), (24, "out"), (48, "ctx_in"), (56, "out")],
}


def u32(b, off):
    return int.from_bytes(b[off:off + 4], "little")


def fake_bpf(cmd, attr, size=None):
    size = attr.size if size is None else size
    raw = bytearray(attr.buf.raw)
    blobs = {}
    for off, kind in PTRS.get(cmd, []):
        if off + 8 > len(raw):
            continue
        p = int.from_bytes(raw[off:off + 8], "little")
        if p == 0:
            continue
        raw[off:off + 8] = b"\xff" * 8
        ks, vs = maps.get(u32(raw, 0), (0, 0))
        n = {"key": ks, "value": vs, "insns": u32(raw, 4) * 8, "fd4": 4,
             "data_in": u32(raw, 8), "ctx_in": u32(raw, 40)}.get(kind)
        if kind == "cstr":
            blobs[str(off)] = ctypes.string_at(p).hex()
        elif kind != "out":
            blobs[str(off)] = ctypes.string_at(p, n).hex()
    calls.append({"cmd": cmd, "size": size, "attr": raw.hex(), "blobs": blobs})
    if cmd in (0, 5):
        fd = next_fd[0]
        next_fd[0] += 1
        if cmd == 0:
            maps[fd] = (u32(raw, 4), u32(raw, 8))
        return fd
    if cmd == 4:
        return -2
    if cmd == 10:
        struct_set(attr, 4, 7)
    return 0


def struct_set(attr, off, v):
    attr.u32(off, v)


def fake_fdinfo(self, fd):
    return {"pos": 0, "memlock": 4096 + fd, "prog_tag": "c20ce4deddbd0d08", "verified_insns": 2,
            "map_type": 2, "key_size": 4, "value_size": 8}


bpf_oracle.sys_bpf = fake_bpf
bpf_oracle.Oracle.fdinfo_fd = fake_fdinfo
bpf_oracle.os.close = lambda fd: calls.append({"close": fd})

o = bpf_oracle.Oracle()
lines = []
for line in sys.stdin:
    line = line.strip()
    if line and not line.startswith("#"):
        lines.append(json.dumps(o.run(line)))
print(json.dumps({"ncpu": bpf_oracle.NCPU, "calls": calls, "lines": lines}))
