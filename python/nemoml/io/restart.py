"""Read NEMO ocean restarts and write restarts NEMO starts from (NEMO 4.2 and 5.0).

Schemes (IOM/restart.F90): **RK3** (5.0 default) stores the state once as ``tn sn un vn sshn``
(the Kbb level) plus ``uu_n vv_n`` (barotropic velocities), ``ssha`` and split-explicit
``*_e`` fields. **MLF** (4.2 and 5.0 without ``key_RK3``) stores ``tb sb ub vb sshb`` (before)
and ``tn sn un vn sshn`` (now), and 4.2 also ``rhop`` which it reuses if present.
"""

from __future__ import annotations

import os
from pathlib import Path

import netCDF4
import numpy as np

from nemoml.base.files import atomic_path
from nemoml.base.netcdf import open_nc, read_scalar, set_domain_attrs
from nemoml.grid import Grid, NemoFileError
from nemoml.io.ncopy import copy_dataset
from nemoml.io.ranks import rank_files, read_global
from nemoml.io.state import FIELDS, State

NAMES = {"n": ("tn", "sn", "un", "vn", "sshn"), "b": ("tb", "sb", "ub", "vb", "sshb")}
SCHEMES = ("rk3", "mlf")
# RK3 split-explicit filter fields; dropping them makes NEMO 5.0 do a cold barotropic start
# (dynspg_ts ts_rst), which is what a replaced state needs
_RK3_BAROTROPIC_FILTER = ("sshbb_e", "ubb_e", "vbb_e", "sshb_e", "ub_e", "vb_e")
CALENDAR = ("kt", "ndastp", "adatrj", "ntime")
_UNITS = {"t": "degC", "s": "1e-3", "u": "m s-1", "v": "m s-1", "ssh": "m", "rhop": "kg m-3"}


def restart_scheme(path: str | os.PathLike) -> str:
    """``"mlf"`` if the restart holds before-fields (``tb``), else ``"rk3"``."""
    with open_nc(rank_files(path)[0]) as ds:
        if "tn" not in ds.variables:
            raise NemoFileError(path, "missing: not a NEMO ocean restart", "tn")
        return "mlf" if "tb" in ds.variables else "rk3"


def read_restart(path: str | os.PathLike, grid: Grid | None = None, *, level: str = "n",
                 check_mesh: bool = True) -> State:
    """Read T, S, U, V, SSH from a NEMO restart (one global file or ``_NNNN`` rank files).

    Parameters
    ----------
    path
        The global file, one rank file, or ``<name>.nc`` when only rank files exist.
    grid
        When given, sizes must match and (``check_mesh``) land must hold zeros and ocean a
        positive salinity: a restart of another mesh fails with the first offending variable.
    level
        ``"n"``: the state NEMO restarts from (RK3 Kbb, MLF now). ``"b"``: MLF before-fields.
    """
    if level not in NAMES:
        raise ValueError(f"level must be 'n' or 'b', got {level!r}")
    files = rank_files(path)
    if level == "b" and restart_scheme(files[0]) != "mlf":
        raise NemoFileError(files[0], "an RK3 restart has no before-fields", "tb")
    names = list(NAMES[level])
    arrays = read_global(files[0], names)
    with open_nc(files[0]) as ds:
        time = read_scalar(ds, "adatrj")
    for name in names:
        a, want = arrays[name], 2 if name.startswith("ssh") else 3
        if a.ndim != want:
            raise NemoFileError(files[0], f"expected {want} spatial dimensions, found shape "
                                f"{a.shape}", name)
    state = State(*(arrays[n] for n in names), time=time)
    where = str(files[0])
    if grid is not None:
        for name, field in zip(names, FIELDS, strict=True):
            a = getattr(state, field)
            want = grid.shape[1:] if field == "SSH" else grid.shape
            if a.shape != want:
                raise NemoFileError(where, f"shape {a.shape} does not match the mesh "
                                    f"{grid.source} {want}", name)
        if check_mesh:
            _check_mesh(state, grid, where, names)
    return state.check(grid, where)


def _check_mesh(state: State, grid: Grid, where: str, names: list[str]) -> None:
    bad = state.land_mismatch(grid)
    if bad is not None:
        field, count = bad
        raise NemoFileError(where, f"nonzero on {count} land points of the mesh {grid.source}: "
                            "the restart does not match the mesh", names[list(FIELDS).index(field)])
    dry = int((state.S[grid.tmask] <= 0).sum())
    if dry:
        raise NemoFileError(where, f"salinity <= 0 on {dry} ocean points of the mesh "
                            f"{grid.source}: the restart does not match the mesh", names[1])


def _rhop(state: State, grid: Grid, eos) -> np.ndarray:
    """Potential density with the model's own EOS (``nemoml.eos``), 0 on land."""
    from nemoml import eos as eos_mod

    model = eos_mod.EOS(eos) if isinstance(eos, str) else eos
    rho = np.asarray(eos_mod.rhop(state.T, state.S, np.asarray(grid.depth_t), model),
                     dtype=np.float64)
    return rho * grid.tmask


def _replacements(state: State, grid: Grid, scheme: str, eos, want_rhop: bool) -> dict:
    data = dict(zip(NAMES["n"], (state.T, state.S, state.U, state.V, state.SSH), strict=True))
    if scheme == "mlf":
        # b = n: a clean (Euler-like) first leapfrog step from the new state
        data.update(zip(NAMES["b"], list(data.values()), strict=True))
    else:
        data["uu_n"], data["vv_n"] = state.barotropic(grid)
        data["ssha"] = state.SSH  # NEMO's own fallback when ssha is absent
    if want_rhop:
        if eos is None:
            raise ValueError("this restart stores rhop (NEMO 4.2 reuses it): pass eos= the "
                             "model's equation of state, e.g. eos='eos80' for GYRE")
        data["rhop"] = _rhop(state, grid, eos)
    return data


def write_restart(path: str | os.PathLike, state: State, grid: Grid, template=None, *,
                  scheme: str | None = None, eos=None, rdt: float | None = None,
                  calendar: dict[str, float] | None = None) -> Path:
    """Write a restart NEMO can start from, atomically (temp file, then rename).

    Parameters
    ----------
    path
        Output file (global, no halo).
    state
        The new state; land points are zeroed with the grid's masks.
    grid
        The model grid; the state and any template must match it.
    template
        A global restart to copy: every other variable (TKE, calendar, forcing memory...) is
        kept, the state is replaced, and what must stay consistent is recomputed: barotropic
        ``uu_n/vv_n`` and ``ssha`` (RK3), before = now (MLF), ``rhop`` (when stored). RK3
        split-explicit filter fields are dropped so NEMO cold-starts its barotropic mode.
        Without a template a minimal restart (``tn sn un vn sshn`` + scheme extras) is
        written; run it with ``nn_rstctl = 0``.
    scheme
        ``"rk3"`` or ``"mlf"``; defaults to the template's, else ``"rk3"``.
    eos
        ``nemoml.eos.EOS`` (or its name) used for ``rhop``; needed when the template stores
        ``rhop``, optional for a minimal MLF restart (NEMO 4.2 recomputes it when absent).
    rdt, calendar
        Minimal restarts only: time step (s) and ``kt ndastp adatrj ntime`` to store.
    """
    path = Path(path)
    state.check(grid, where=f"state for {path}")
    state = state.masked(grid)
    if template is None:
        scheme = scheme or "rk3"
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
        data = _replacements(state, grid, scheme, eos, want_rhop=eos is not None and
                             scheme == "mlf")
        with atomic_path(path) as tmp:
            _write_minimal(tmp, data, grid, rdt, calendar or {})
        return path
    if rdt is not None or calendar:
        raise ValueError("rdt and calendar come from the template; do not pass them with one")
    template = Path(template)
    with open_nc(template) as src:
        tscheme = "mlf" if "tb" in src.variables else "rk3"
        scheme = scheme or tscheme
        if scheme != tscheme:
            raise NemoFileError(template, f"is a {tscheme.upper()} restart, {scheme!r} asked for")
        _check_template(src, template, grid)
        data = _replacements(state, grid, scheme, eos, want_rhop="rhop" in src.variables)
        data = {k: v for k, v in data.items() if k in src.variables or k in NAMES["n"]}
        drop = _RK3_BAROTROPIC_FILTER if scheme == "rk3" else ()
        with atomic_path(path) as tmp:
            with netCDF4.Dataset(tmp, "w", format=src.data_model) as dst:
                copy_dataset(src, dst, drop=drop,
                             data=lambda name, var: _shaped(data.get(name), var))
    return path


def _shaped(value: np.ndarray | None, var: netCDF4.Variable) -> np.ndarray | None:
    return None if value is None else value.reshape(var.shape)


def _check_template(src: netCDF4.Dataset, template: Path, grid: Grid) -> None:
    for name in NAMES["n"]:
        if name not in src.variables:
            raise NemoFileError(template, "missing from the template restart", name)
        var = src.variables[name]
        want = grid.shape[1:] if name == "sshn" else grid.shape
        if var.shape[-len(want):] != want or var.ndim != len(want) + 1:
            raise NemoFileError(template, f"shape {var.shape} does not match the grid "
                                f"(time, {want})", name)
    if "DOMAIN_size_local" in src.ncattrs():
        local = tuple(np.atleast_1d(src.getncattr("DOMAIN_size_local")))
        glob = tuple(np.atleast_1d(src.getncattr("DOMAIN_size_global")))
        if local != glob:
            raise NemoFileError(template, "is one rank's file; join the ranks into a global "
                                "template first")


def _write_minimal(tmp: Path, data: dict, grid: Grid, rdt, calendar: dict) -> None:
    nz, ny, nx = grid.shape
    with netCDF4.Dataset(tmp, "w", format="NETCDF3_64BIT_OFFSET") as ds:
        ds.createDimension("x", nx)
        ds.createDimension("y", ny)
        ds.createDimension("nav_lev", nz)
        ds.createDimension("time_counter", None)
        set_domain_attrs(ds, (nx, ny))
        ds.setncattr("source", "nemoml.io.write_restart (minimal restart)")
        for name, value, units in (("nav_lon", grid.glamt, "degrees_east"),
                                   ("nav_lat", grid.gphit, "degrees_north")):
            if value is not None:
                v = ds.createVariable(name, "f4", ("y", "x"))
                v.units = units
                v[:] = value
        v = ds.createVariable("nav_lev", "f4", ("nav_lev",))
        v.units, v.positive = "m", "down"
        v[:] = grid.gdept_1d
        ds.createVariable("time_counter", "f8", ("time_counter",))[0] = calendar.get("kt", 0.0)
        for name in CALENDAR:
            if name in calendar:
                ds.createVariable(name, "f8", ())[...] = calendar[name]
        if rdt is not None:
            ds.createVariable("rdt", "f8", ())[...] = rdt
        for name, value in data.items():
            dims = ("time_counter",) + (("nav_lev",) if value.ndim == 3 else ()) + ("y", "x")
            v = ds.createVariable(name, "f8", dims)
            key = name if name == "rhop" else "ssh" if name.startswith("ssh") else name[0]
            v.units = _UNITS[key]
            v[0] = value
