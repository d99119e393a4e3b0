"""Zero-copy numpy views of the host's arrays (``nemoml_field`` descriptors), and checks.

A Fortran ``a(jpi,jpj,jpk)`` arrives as a C-order ``(jpk, jpj, jpi)`` view on the host's memory:
valid only during the call, never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

DTYPES = {4: np.dtype(np.float32), 8: np.dtype(np.float64)}
NONCONTIGUOUS = -1
INTENTS = {1: "in", 2: "out", 3: "inout"}
MASK_OF_GRID = {"T": "tmask", "U": "umask", "V": "vmask", "W": "tmask", "F": "tmask"}


@dataclass
class Field:
    name: str
    array: np.ndarray  # (…, jpj, jpi) view on host memory
    cgrid: str
    intent: str

    @cached_property
    def tensor(self):
        import torch

        return torch.from_numpy(self.array)


def view(ffi, desc) -> Field:
    """Wrap one descriptor; raise ValueError naming the field on anything malformed."""
    name = ffi.string(desc.name).decode(errors="replace") or "<unnamed>"
    if desc.dtype == NONCONTIGUOUS:
        raise ValueError(f"field {name}: the Fortran array is not contiguous; copy it into a "
                         f"contiguous buffer (e.g. the inner block) before the call")
    dtype = DTYPES.get(desc.dtype)
    if dtype is None:
        raise ValueError(f"field {name}: dtype code {desc.dtype} is not float32 (4) or "
                         f"float64 (8)")
    if not 1 <= desc.ndim <= len(desc.shape):
        raise ValueError(f"field {name}: ndim {desc.ndim} outside 1..{len(desc.shape)}")
    shape = tuple(int(desc.shape[d]) for d in range(desc.ndim))
    if min(shape) < 1:
        raise ValueError(f"field {name}: non-positive extent in shape {shape} (Fortran order)")
    if desc.data == ffi.NULL:
        raise ValueError(f"field {name}: null data pointer")
    if desc.intent not in INTENTS:
        raise ValueError(f"field {name}: intent {desc.intent} is not 1 (in), 2 (out), 3 (inout)")
    nbytes = math.prod(shape) * dtype.itemsize
    array = np.frombuffer(ffi.buffer(desc.data, nbytes), dtype=dtype).reshape(shape[::-1])
    cgrid = chr(desc.cgrid) if 32 < desc.cgrid < 127 else "?"
    return Field(name, array, cgrid, INTENTS[desc.intent])


class ViewCache:
    """Views keyed by the descriptor's bytes (name, address, dtype, shape, grid, intent).

    Hosts pass the same arrays at every step; rebuilding a view costs more than the call itself.
    A view is only used again when the host passes the very same address and shape, i.e. while
    that memory is the host's live array; it is never used between calls.
    """

    def __init__(self, ffi, maxsize: int = 256):
        self.ffi = ffi
        self.size = ffi.sizeof("nemoml_field")
        self.maxsize = maxsize
        self.views: dict[bytes, Field] = {}

    def _one(self, descs, k: int) -> Field:
        key = self.ffi.buffer(descs + k, self.size)[:]
        f = self.views.get(key)
        if f is None:
            f = view(self.ffi, descs[k])
            if len(self.views) >= self.maxsize:
                self.views.clear()
            self.views[key] = f
        return f

    def get(self, descs, n: int) -> dict[str, Field]:
        return _by_name(self._one(descs, k) for k in range(n))

    def clear(self) -> None:
        self.views.clear()


def _by_name(fields) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in fields:
        if f.name in out:
            raise ValueError(f"field {f.name} passed twice")
        out[f.name] = f
    return out


def view_all(ffi, descs, n: int) -> dict[str, Field]:
    """Fresh views, for calls whose fields must not outlive them (init)."""
    return _by_name(view(ffi, descs[k]) for k in range(n))


def check_shape(f: Field, expected: tuple[int, ...]) -> None:
    if f.array.shape != expected:
        raise ValueError(f"field {f.name}: shape {f.array.shape[::-1]} (Fortran order) does not "
                         f"match the grid, expected {expected[::-1]}")


def check_same_dtype(fields: dict[str, Field]) -> None:
    dtypes = {f.array.dtype for f in fields.values()}
    if len(dtypes) > 1:
        listing = ", ".join(f"{f.name}={f.array.dtype}" for f in fields.values())
        raise TypeError(f"fields mix dtypes ({listing}); pass one real kind")


def first_index(bad: np.ndarray, offset: tuple[int, int]) -> str:
    """Global 1-based (i, j[, k]) of the first True in a (…, j, i) boolean array."""
    idx = np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape)
    j, i = idx[-2] + offset[0], idx[-1] + offset[1]
    return f"(i={i}, j={j}" + (f", k={idx[0] + 1})" if bad.ndim == 3 else ")")


def check_values(f: Field, mask: np.ndarray, offset: tuple[int, int], check_land: bool) -> None:
    """No NaN/Inf on ocean points; optionally exactly zero on land (as NEMO keeps them).

    ``mask`` has the field's shape (surface level for 2-D fields); ``offset`` converts local
    0-based (j, i) to global 1-based indices.
    """
    a = f.array
    ocean = mask.astype(bool)
    bad = ~np.isfinite(a) & ocean
    if bad.any():
        raise ValueError(f"field {f.name}: {int(bad.sum())} NaN/Inf value(s) on ocean points, "
                         f"first at {first_index(bad, offset)}")
    if check_land:
        wet = (a != 0) & ~ocean
        if wet.any():
            raise ValueError(f"field {f.name}: {int(wet.sum())} nonzero value(s) on land points "
                             f"of {MASK_OF_GRID.get(f.cgrid, 'tmask')}, first at "
                             f"{first_index(wet, offset)}: does the mask match the fields?")
