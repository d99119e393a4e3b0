"""One NEMO grid: masks, depths, scale factors and positions, from a mesh_mask.nc or from arrays.

Arrays follow NEMO's (z, y, x) order in C layout: Fortran ``tmask(jpi,jpj,jpk)`` is
``tmask[k, j, i]`` here. Masks are bool. ``mbkt`` is the number of wet T levels of a column,
i.e. NEMO's 1-based bottom level on ocean columns, and 0 on land (NEMO itself keeps
``mbkt >= 1`` on land, and GYRE writes 30 there, so the file's ``mbathy`` is only checked on
ocean columns).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import numpy as np

from nemoml.base.netcdf import NemoFileError, open_nc, read_var

_MASKS = ("tmask", "umask", "vmask")
_PROFILES = ("gdept_1d", "gdepw_1d", "e3t_1d", "e3w_1d")
_SURFACE = ("e1t", "e2t", "e1u", "e2u", "e1v", "e2v", "glamt", "gphit")
_VOLUME = ("gdept", "gdepw", "e3t", "e3w", "e3u", "e3v")
# mesh_mask.nc names of the 3-D fields (NEMO writes the reference "_0" geometry)
_FILE_NAMES = {"gdept": "gdept_0", "gdepw": "gdepw_0", "e3t": "e3t_0", "e3w": "e3w_0",
               "e3u": "e3u_0", "e3v": "e3v_0"}


def _shift_min(a: np.ndarray, axis: int) -> np.ndarray:
    """min(a, a shifted by +1 along axis): NEMO's z/zps rule for e3u, e3v (edge keeps ``a``)."""
    out = a.copy()
    sl0 = [slice(None)] * a.ndim
    sl1 = [slice(None)] * a.ndim
    sl0[axis], sl1[axis] = slice(0, -1), slice(1, None)
    out[tuple(sl0)] = np.minimum(a[tuple(sl0)], a[tuple(sl1)])
    return out


def _face_mask(tmask: np.ndarray, axis: int) -> np.ndarray:
    """U (axis 2) or V (axis 1) mask of a closed domain: wet where both T neighbours are wet."""
    out = np.zeros_like(tmask)
    sl0 = [slice(None)] * 3
    sl1 = [slice(None)] * 3
    sl0[axis], sl1[axis] = slice(0, -1), slice(1, None)
    out[tuple(sl0)] = tmask[tuple(sl0)] & tmask[tuple(sl1)]
    return out


@dataclass(frozen=True, eq=False)
class Grid:
    """A NEMO grid (global, or one rank's window). See the module docstring for conventions."""

    tmask: np.ndarray
    umask: np.ndarray
    vmask: np.ndarray
    gdept_1d: np.ndarray
    e3t_1d: np.ndarray
    gdepw_1d: np.ndarray | None = None
    e3w_1d: np.ndarray | None = None
    e1t: np.ndarray | None = None
    e2t: np.ndarray | None = None
    e1u: np.ndarray | None = None
    e2u: np.ndarray | None = None
    e1v: np.ndarray | None = None
    e2v: np.ndarray | None = None
    glamt: np.ndarray | None = None
    gphit: np.ndarray | None = None
    gdept: np.ndarray | None = None
    gdepw: np.ndarray | None = None
    e3t: np.ndarray | None = None
    e3w: np.ndarray | None = None
    e3u: np.ndarray | None = None
    e3v: np.ndarray | None = None
    attrs: dict = field(default_factory=dict)
    source: str = "<arrays>"

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_arrays(cls, tmask, gdept_1d, e3t_1d, *, umask=None, vmask=None, mbkt=None,
                    source: str = "<arrays>", attrs: dict | None = None, **optional) -> Grid:
        """Build a grid from arrays, e.g. the fields the Fortran side passes at init.

        Parameters
        ----------
        tmask
            (z, y, x) T mask, bool or 0/1 of any real/int dtype.
        gdept_1d, e3t_1d
            (z,) reference depth and thickness of T levels (m).
        umask, vmask
            Face masks; derived from ``tmask`` for a closed domain when not given.
        mbkt
            Optional (y, x) bottom level; checked against ``tmask`` on ocean columns.
        **optional
            Any of ``gdepw_1d, e3w_1d, e1t, e2t, e1u, e2u, e1v, e2v, glamt, gphit, gdept,
            gdepw, e3t, e3w, e3u, e3v``.
        """
        known = set(_PROFILES + _SURFACE + _VOLUME)
        unknown = set(optional) - known
        if unknown:
            raise TypeError(f"Grid.from_arrays: unknown arrays {sorted(unknown)}")
        tm = cls._mask(tmask, "tmask", source)
        um = cls._mask(umask, "umask", source) if umask is not None else _face_mask(tm, 2)
        vm = cls._mask(vmask, "vmask", source) if vmask is not None else _face_mask(tm, 1)
        arrays = {k: np.ascontiguousarray(v, dtype=np.float64)
                  for k, v in optional.items() if v is not None}
        grid = cls(tmask=tm, umask=um, vmask=vm,
                   gdept_1d=np.asarray(gdept_1d, dtype=np.float64).reshape(-1),
                   e3t_1d=np.asarray(e3t_1d, dtype=np.float64).reshape(-1),
                   attrs=dict(attrs or {}), source=source, **arrays)
        grid._validate(mbkt)
        return grid

    @classmethod
    def from_mesh_mask(cls, path: str | os.PathLike) -> Grid:
        """Read a NEMO ``mesh_mask.nc`` (4.2 or 5.0; 1-D or 3-D vertical metrics).

        Raises
        ------
        NemoFileError
            Missing file or variable, wrong shapes, NaN, masks that are not 0/1.
        """
        with open_nc(path) as ds:
            tmask = read_var(ds, "tmask", ndim=3, dtype=np.float64)
            nz, ny, nx = tmask.shape
            got: dict[str, np.ndarray | None] = {}
            for name in ("umask", "vmask"):
                got[name] = read_var(ds, name, shape=tmask.shape)
            for name in _PROFILES:
                got[name] = read_var(ds, name, shape=(nz,))
            for name in _SURFACE:
                fallback = {"glamt": "nav_lon", "gphit": "nav_lat"}.get(name)
                if name in ds.variables:
                    got[name] = read_var(ds, name, shape=(ny, nx))
                elif fallback in ds.variables:
                    got[name] = read_var(ds, fallback, shape=(ny, nx))
            for name, fname in _FILE_NAMES.items():
                if fname in ds.variables:
                    got[name] = read_var(ds, fname, shape=tmask.shape)
            mbkt = read_var(ds, "mbathy", shape=(ny, nx)) if "mbathy" in ds.variables else None
            attrs = {k: ds.getncattr(k) for k in ds.ncattrs()}
        for name in ("e1t", "e2t"):
            if got.get(name) is None:
                raise NemoFileError(path, "missing from the mesh mask", name)
        return cls.from_arrays(tmask, got.pop("gdept_1d"), got.pop("e3t_1d"), mbkt=mbkt,
                               source=str(path), attrs=attrs, **got)

    @staticmethod
    def _mask(a, name: str, source: str) -> np.ndarray:
        a = np.asarray(a)
        if a.ndim != 3:
            raise NemoFileError(source, f"expected a (z, y, x) mask, found shape {a.shape}", name)
        if a.dtype != bool:
            if not np.isin(a, (0, 1)).all():
                raise NemoFileError(source, "a mask must hold only 0 and 1", name)
            a = a != 0
        return np.ascontiguousarray(a)

    def _validate(self, mbkt) -> None:
        shape3, shape2, nz = self.shape, self.shape[1:], self.nz
        expect = {"umask": shape3, "vmask": shape3}
        expect.update({k: (nz,) for k in _PROFILES})
        expect.update({k: shape2 for k in _SURFACE})
        expect.update({k: shape3 for k in _VOLUME})
        for name, shape in expect.items():
            a = getattr(self, name)
            if a is None:
                continue
            if a.shape != shape:
                raise NemoFileError(self.source, f"expected shape {shape} to match tmask "
                                    f"(nz, ny, nx) = {shape3}, found {a.shape}", name)
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                raise NemoFileError(self.source, "holds NaN/inf values", name)
        for name in ("e3t_1d", "e3w_1d", "e1t", "e2t"):
            a = getattr(self, name)
            if a is not None and (a <= 0).any():
                raise NemoFileError(self.source, "scale factors must be positive", name)
        if (np.diff(self.gdept_1d) <= 0).any():
            raise NemoFileError(self.source, "depths must increase with level", "gdept_1d")
        if mbkt is not None:
            mbkt = np.asarray(mbkt)
            if mbkt.shape != shape2:
                raise NemoFileError(self.source, f"expected shape {shape2}, found {mbkt.shape}",
                                    "mbkt")
            ocean = self.tmask[0]
            bad = ocean & (mbkt != self.mbkt)
            if bad.any():
                j, i = np.argwhere(bad)[0]
                raise NemoFileError(self.source, f"bottom level {int(mbkt[j, i])} at (j={j}, "
                                    f"i={i}) disagrees with tmask ({int(self.mbkt[j, i])} wet "
                                    "levels)", "mbathy")

    # ---------------------------------------------------------------- derived quantities
    @property
    def shape(self) -> tuple[int, int, int]:
        return self.tmask.shape

    @property
    def nz(self) -> int:
        return self.tmask.shape[0]

    @property
    def ny(self) -> int:
        return self.tmask.shape[1]

    @property
    def nx(self) -> int:
        return self.tmask.shape[2]

    @property
    def mbkt(self) -> np.ndarray:
        """(y, x) number of wet T levels: NEMO's bottom level on ocean columns, 0 on land."""
        return self.tmask.sum(axis=0).astype(np.int32)

    def mask(self, point: str) -> np.ndarray:
        """The (z, y, x) bool mask of a C-grid point: ``"T"``, ``"U"`` or ``"V"``."""
        try:
            return {"T": self.tmask, "U": self.umask, "V": self.vmask}[point.upper()]
        except KeyError:
            raise ValueError(f"unknown grid point {point!r}; expected 'T', 'U' or 'V'") from None

    @property
    def depth_t(self) -> np.ndarray:
        """(z, y, x) depth of T points: ``gdept`` or ``gdept_1d`` broadcast."""
        if self.gdept is not None:
            return self.gdept
        return np.broadcast_to(self.gdept_1d[:, None, None], self.shape)

    @property
    def thickness_t(self) -> np.ndarray:
        """(z, y, x) T-cell thickness: ``e3t`` or ``e3t_1d`` broadcast."""
        if self.e3t is not None:
            return self.e3t
        return np.broadcast_to(self.e3t_1d[:, None, None], self.shape)

    def thickness(self, point: str) -> np.ndarray:
        """(z, y, x) reference cell thickness at T, U or V points (NEMO's ``e3u_0`` etc.).

        U/V thicknesses come from the mesh when it has them, else from the z/zps rule
        ``e3u = min(e3t(i), e3t(i+1))`` (exact for GYRE's z-coordinate).
        """
        point = point.upper()
        if point == "T":
            return self.thickness_t
        given = {"U": self.e3u, "V": self.e3v}.get(point)
        if given is not None:
            return given
        self.mask(point)
        return _shift_min(np.asarray(self.thickness_t), 2 if point == "U" else 1)

    def window(self, ys: slice, xs: slice) -> Grid:
        """The sub-grid on (y, x) slices, e.g. one rank's inner domain."""
        changes = {}
        for f in dataclasses.fields(self):
            a = getattr(self, f.name)
            if isinstance(a, np.ndarray) and a.ndim >= 2:
                changes[f.name] = np.ascontiguousarray(a[..., ys, xs])
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return f"Grid(nz={self.nz}, ny={self.ny}, nx={self.nx}, source={self.source!r})"
