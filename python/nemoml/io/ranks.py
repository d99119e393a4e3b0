"""NEMO's one-file-per-rank layout (``<name>_NNNN.nc`` with ``DOMAIN_*`` attributes).

NEMO writes restarts per rank without halos; each file's ``DOMAIN_position_first`` (1-based,
(i, j)) places its (y, x) block in the global grid. Any file whose spatial dimensions are
named ``x`` and ``y`` (restarts, mesh masks, increments) can be split and joined here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import netCDF4
import numpy as np

from nemoml.base.files import atomic_path
from nemoml.base.netcdf import open_nc, read_var, set_domain_attrs
from nemoml.grid import NemoFileError
from nemoml.grid.decomp import Decomposition
from nemoml.io.ncopy import copy_dataset

_RANK = re.compile(r"^(?P<stem>.+)_(?P<num>\d{4,})\.nc$")


def rank_files(path: str | os.PathLike) -> list[Path]:
    """The files making up one logical NEMO file, in rank order.

    ``path`` may be a global file, any one rank file ``<stem>_NNNN.nc``, or ``<stem>.nc`` when
    only the rank files exist (as NEMO looks for ``cn_ocerst_in``).
    """
    path = Path(path)
    m = _RANK.match(path.name)
    if path.is_file() and not m:
        return [path]
    stem = m.group("stem") if m else path.name.removesuffix(".nc")
    found = sorted(path.parent.glob(f"{_glob_escape(stem)}_[0-9][0-9][0-9][0-9]*.nc"))
    found = [p for p in found if _RANK.match(p.name) and _RANK.match(p.name)["stem"] == stem]
    if not found:
        if path.is_file():
            return [path]
        raise NemoFileError(path, f"no such file, and no per-rank files {stem}_NNNN.nc")
    numbers = [int(_RANK.match(p.name)["num"]) for p in found]
    if numbers != list(range(len(found))):
        missing = sorted(set(range(max(numbers) + 1)) - set(numbers))
        raise NemoFileError(found[0], f"per-rank files are not numbered 0..N-1; missing {missing}")
    return found


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def domain_box(ds: netCDF4.Dataset) -> tuple[int, int, int, int, int, int]:
    """``(i0, j0, ni, nj, ni_glo, nj_glo)``: 0-based origin and sizes from ``DOMAIN_*``.

    A file without the attributes is taken as global.
    """
    nx, ny = len(ds.dimensions["x"]), len(ds.dimensions["y"])
    attrs = ds.ncattrs()
    if "DOMAIN_position_first" not in attrs:
        return 0, 0, nx, ny, nx, ny
    first = np.atleast_1d(ds.getncattr("DOMAIN_position_first"))
    glob = np.atleast_1d(ds.getncattr("DOMAIN_size_global"))
    i0, j0 = int(first[0]) - 1, int(first[1]) - 1
    if i0 < 0 or j0 < 0 or i0 + nx > glob[0] or j0 + ny > glob[1]:
        raise NemoFileError(ds.filepath(), f"DOMAIN_position_first {tuple(first)} with local size "
                            f"{(nx, ny)} falls outside the global grid {tuple(glob)}")
    return i0, j0, nx, ny, int(glob[0]), int(glob[1])


def _spatial(var: netCDF4.Variable) -> bool:
    return var.dimensions[-2:] == ("y", "x")


def read_global(path: str | os.PathLike, names: list[str], record: int = 0,
                optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Read (z, y, x) or (y, x) variables of one record from a global or per-rank file set.

    Land-only ranks that NEMO did not write stay 0, as NEMO fills them.
    """
    files = rank_files(path)
    out: dict[str, np.ndarray] = {}
    covered = None
    for f in files:
        with open_nc(f) as ds:
            if "x" not in ds.dimensions or "y" not in ds.dimensions:
                raise NemoFileError(f, "has no 'x' and 'y' dimensions (not a NEMO restart-like "
                                    "file)")
            i0, j0, ni, nj, niglo, njglo = domain_box(ds)
            if covered is None:
                covered = np.zeros((njglo, niglo), dtype=np.int32)
            elif covered.shape != (njglo, niglo):
                raise NemoFileError(f, f"DOMAIN_size_global {(niglo, njglo)} differs from the "
                                    f"first rank's {covered.shape[::-1]}")
            covered[j0:j0 + nj, i0:i0 + ni] += 1
            for name in names + [n for n in optional if n in ds.variables]:
                data = read_var(ds, name, record=record)
                if data.shape[-2:] != (nj, ni):
                    raise NemoFileError(f, f"shape {data.shape} does not end with the file's "
                                        f"(y, x) = {(nj, ni)}", name)
                if name not in out:
                    out[name] = np.zeros(data.shape[:-2] + (njglo, niglo))
                out[name][..., j0:j0 + nj, i0:i0 + ni] = data
    if (covered > 1).any():
        raise NemoFileError(files[0], "per-rank files overlap (DOMAIN_position_* inconsistent)")
    return out


def split(path: str | os.PathLike, out_stem: str | os.PathLike, jpni: int, jpnj: int,
          ) -> list[Path]:
    """Split a global NEMO file into ``jpni x jpnj`` rank files ``<out_stem>_NNNN.nc``.

    The blocks are NEMO's own (``mpp_basesplit``, ranks i fastest), without halos, with the
    ``DOMAIN_*`` attributes NEMO writes. Every file is written atomically.
    """
    path, out_stem = Path(path), Path(out_stem)
    with open_nc(path) as src:
        i0, j0, nx, ny, niglo, njglo = domain_box(src)
        if (nx, ny) != (niglo, njglo):
            raise NemoFileError(path, "is already one rank's file; join the ranks first")
        subs = Decomposition(nx, ny, 0, jpni, jpnj).subdomains
        width = max(4, len(str(len(subs) - 1)))
        written = []
        for sub in subs:
            gj, gi = sub.inner_global()
            out = out_stem.parent / f"{out_stem.name}_{sub.rank:0{width}d}.nc"
            with atomic_path(out) as tmp:
                with netCDF4.Dataset(tmp, "w", format=src.data_model) as dst:
                    copy_dataset(src, dst, dims={"x": sub.ni_0, "y": sub.nj_0},
                                 data=lambda name, var, gj=gj, gi=gi:
                                 var[..., gj, gi] if _spatial(var) else None)
                    set_domain_attrs(dst, (nx, ny), (sub.nimpp, sub.njmpp),
                                     (sub.ni_0, sub.nj_0), sub.rank, len(subs))
            written.append(out)
    return written


def join(path: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Rejoin per-rank files (any one of them, or their ``<stem>.nc``) into one global file."""
    files = rank_files(path)
    out = Path(out)
    with open_nc(files[0]) as first:
        *_, niglo, njglo = domain_box(first)
        arrays = {}
        for f in files:
            with open_nc(f) as ds:
                i0, j0, ni, nj, *_ = domain_box(ds)
                for name, var in ds.variables.items():
                    if not _spatial(var):
                        continue
                    if name not in arrays:
                        fill = var.getncattr("_FillValue") if "_FillValue" in var.ncattrs() else 0
                        shape = tuple(len(ds.dimensions[d]) for d in var.dimensions[:-2])
                        arrays[name] = np.full(shape + (njglo, niglo), fill, dtype=var.dtype)
                    arrays[name][..., j0:j0 + nj, i0:i0 + ni] = var[...]
        with atomic_path(out) as tmp:
            with netCDF4.Dataset(tmp, "w", format=first.data_model) as dst:
                copy_dataset(first, dst, dims={"x": niglo, "y": njglo},
                             data=lambda name, var: arrays.get(name))
                set_domain_attrs(dst, (niglo, njglo))
    return out
