#!/usr/bin/env python3
"""Run the example modules under wasmtime (the PyPI package) through the raw
ABI, as the server would: no imports, guocedb_alloc + export, decode the
result. A check for the SDK's guest side, which `cargo test` (host) cannot
reach. Usage: python3 udf-sdk/check_modules.py DIR  (DIR holds math.wasm,
strings.wasm, median.wasm, split.wasm, add_wat.wasm); needs `pip install wasmtime`.
"""
import struct
import sys

import wasmtime

D = sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/guocedb-udf-target/udf"


def enc(v):
    if v is None:
        return b"\0"
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return b"\1" + struct.pack("<q", v)
    if isinstance(v, float):
        return b"\2" + struct.pack("<d", v)
    if isinstance(v, str):
        b = v.encode()
        return b"\3" + struct.pack("<I", len(b)) + b
    if isinstance(v, bytes):
        return b"\4" + struct.pack("<I", len(v)) + v
    raise TypeError(v)


def batch(rows, ncols):
    return struct.pack("<II", len(rows), ncols) + b"".join(enc(v) for r in rows for v in r)


def dec_value(b, i):
    t = b[i]
    i += 1
    if t == 0:
        return None, i
    if t == 1:
        return struct.unpack_from("<q", b, i)[0], i + 8
    if t == 2:
        return struct.unpack_from("<d", b, i)[0], i + 8
    n = struct.unpack_from("<I", b, i)[0]
    raw = bytes(b[i + 4 : i + 4 + n])
    return (raw if t == 4 else raw.decode()), i + 4 + n


def dec_result(b):
    if b[0] == 1:
        n = struct.unpack_from("<I", b, 1)[0]
        return ("error", bytes(b[5 : 5 + n]).decode())
    nrows, ncols = struct.unpack_from("<II", b, 1)
    i, vals = 9, []
    for _ in range(nrows * ncols):
        v, i = dec_value(b, i)
        vals.append(v)
    assert i == len(b), "trailing bytes"
    return [vals[r * ncols : (r + 1) * ncols] for r in range(nrows)]


class Module:
    def __init__(self, path):
        self.store = wasmtime.Store()
        module = wasmtime.Module.from_file(self.store.engine, path)
        assert not module.imports, f"{path} has imports: {module.imports}"
        self.inst = wasmtime.Instance(self.store, module, [])
        self.ex = self.inst.exports(self.store)
        self.mem = self.ex["memory"]
        assert self.ex["guocedb_abi_version"](self.store) == 1

    def read(self, packed):
        ptr, n = (packed >> 32) & 0xFFFFFFFF, packed & 0xFFFFFFFF
        return bytes(self.mem.read(self.store, ptr, ptr + n))

    def write(self, data):
        ptr = self.ex["guocedb_alloc"](self.store, len(data))
        assert ptr != 0
        self.mem.write(self.store, data, ptr)
        return ptr

    def text(self, name):
        return self.read(self.ex[name](self.store)).decode()

    def call(self, name, rows, ncols):
        data = batch(rows, ncols)
        return dec_result(self.read(self.ex[name](self.store, self.write(data), len(data))))

    def agg(self, name, groups):
        hs = []
        for rows in groups:
            h = self.ex[name + "__init"](self.store)
            data = batch(rows, 1)
            assert dec_result(self.read(self.ex[name + "__add"](self.store, h, self.write(data), len(data)))) == []
            hs.append(h)
        for h in hs[1:]:
            assert dec_result(self.read(self.ex[name + "__merge"](self.store, hs[0], h))) == []
        return dec_result(self.read(self.ex[name + "__finish"](self.store, hs[0])))


def check(got, want):
    assert got == want, f"got {got!r}, want {want!r}"
    return 1


n = 0
m = Module(f"{D}/math.wasm")
n += check(m.call("add", [[1, 2], [None, 1], ["12abc", 2.5]], 2), [[3], [None], [15]])
n += check(m.call("identity", [[i] for i in range(1000)], 1), [[i] for i in range(1000)])
n += check(m.call("add", [[1]], 1), ("error", "add: expected 2 arguments, got 1"))
n += check(m.call("checked_add", [[2**63 - 1, 1]], 2)[0], "error")
n += check(m.call("gcd", [[12, 18]], 2), [[6]])
n += check(m.call("safe_div", [[1.0, 0.0], [1, 4]], 2), [[None], [0.25]])
n += check((m.text("add__args"), m.text("add__returns"), m.text("safe_div__args")), ("INT,INT", "INT", "REAL,REAL"))
# A hostile pointer is an error result, not a trap.
n += check(dec_result(m.read(m.ex["add"](m.store, 0x7FFFFFF0, 100))), ("error", "input outside the module's memory"))
n += check(dec_result(m.read(m.ex["add"](m.store, m.write(b"\xff" * 9), 9)))[0], "error")

s = Module(f"{D}/strings.wasm")
n += check(s.call("initcap", [["hello wORLD"], [None], [42]], 1), [["Hello World"], [None], ["42"]])
n += check(s.call("reverse_words", [["a b  c"]], 1), [["c b a"]])
n += check(s.call("count_vowels", [["Éclair"]], 1), [[3]])
n += check(s.call("null_if_blank", [["  "], ["x"], [None]], 1), [[None], ["x"], [None]])
n += check(s.call("repeat_str", [["ab", 3], ["x", -1]], 2), [["ababab"], [None]])
n += check(s.call("repeat_str", [["x", 2**21]], 2)[0], "error")

md = Module(f"{D}/median.wasm")
n += check(md.agg("median", [[[5.0], [None], [1.0]], [[3.0], ["4.5"]], [[2.0]]]), [[3.0]])
n += check(md.agg("median", [[]]), [[None]])
n += check(md.text("median__args"), "REAL")
n += check(dec_result(md.read(md.ex["median__finish"](md.store, 99)))[0], "error")
# Handles are reused: many groups do not grow the slab.
for _ in range(100):
    md.agg("median", [[[1.0]]])

sp = Module(f"{D}/split.wasm")
n += check(sp.call("split", [["a,b,,c", ","]], 2), [["a", 1], ["b", 2], ["", 3], ["c", 4]])
n += check(sp.call("split", [["a", ""]], 2), ("error", "split: the separator must not be empty"))
n += check(sp.call("split", [[None, ","]], 2), [])
n += check(sp.text("split__columns"), "part STRING, idx INT")
n += check(sp.call("chars", [["hé"]], 1), [["h", 104], ["é", 233]])

w = Module(f"{D}/add_wat.wasm")
n += check(w.call("add_wat", [[1, 2], [None, 5], [2**63 - 1, 1]], 2), [[3], [None], [-(2**63)]])
n += check(w.call("add_wat", [["x", 1]], 2), ("error", "add_wat: arguments must be INT"))
n += check(w.call("add_wat", [[1]], 1), ("error", "add_wat: expected 2 arguments"))
n += check((w.text("add_wat__args"), w.text("add_wat__returns")), ("INT,INT", "INT"))
n += check(w.call("add_wat", [[i, i] for i in range(20000)], 2)[-1], [39998])

print(f"check_modules: {n} passed, 0 failed")
