"""Files for generated states: ensemble netCDF files and NEMO restarts (through ``nemoml.io``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml.base.files import atomic_write
from nemoml.generate.data import load_states

NC_NAMES = {"T": ("thetao", "degC"), "S": ("so", "1e-3"), "SSH": ("zos", "m"),
            "U": ("uo", "m s-1"), "V": ("vo", "m s-1")}


def write_ensemble(path, fields: dict, attrs: dict | None = None) -> Path:
    """One netCDF file, members along ``time``, NEMO (z, y, x) order, float64, land = 0."""
    import netCDF4

    path = Path(path)
    n, nz, ny, nx = np.asarray(fields["T"]).shape

    def write(tmp):
        with netCDF4.Dataset(tmp, "w") as ds:
            ds.createDimension("time", n)
            ds.createDimension("z", nz)
            ds.createDimension("y", ny)
            ds.createDimension("x", nx)
            member = ds.createVariable("member", "i4", ("time",))
            member[:] = np.arange(n)
            for var, arr in fields.items():
                name, units = NC_NAMES[var]
                dims = ("time", "y", "x") if var == "SSH" else ("time", "z", "y", "x")
                v = ds.createVariable(name, "f8", dims, zlib=True, complevel=1)
                v.units = units
                v[:] = arr
            for key, value in (attrs or {}).items():
                ds.setncattr(key, value)

    atomic_write(path, write)
    return path


def nemo_grid(info):
    """``nemoml.grid.Grid`` from the grid stored in a generator's metadata."""
    from nemoml.grid import Grid

    return Grid.from_arrays(info.tmask, info.gdept, info.e3t, umask=info.umask,
                            vmask=info.vmask, gdepw_1d=info.gdepw, e3w_1d=info.e3w,
                            source="generator metadata")


def write_restarts(stem, fields: dict, info, eos_name: str, template=None) -> list[Path]:
    """One NEMO restart per member, ``<stem>_<member>.nc``; velocities are zero unless
    generated (NEMO spins them up from the density field)."""
    from nemoml.eos import EOS
    from nemoml.io import State, write_restart

    grid = nemo_grid(info)
    eos = EOS(eos_name)
    n = np.asarray(fields["T"]).shape[0]
    zeros3 = np.zeros(info.shape)
    out = []
    for i in range(n):
        state = State(
            T=fields["T"][i], S=fields["S"][i],
            U=fields["U"][i] if "U" in fields else zeros3,
            V=fields["V"][i] if "V" in fields else zeros3,
            SSH=fields["SSH"][i] if "SSH" in fields else zeros3[0],
        )
        path = Path(f"{stem}_{i:04d}.nc")
        write_restart(path, state, grid, template, eos=eos)
        out.append(path)
    return out


def sst_condition(path, info) -> dict:
    """Condition on the surface temperature of the first state in ``path``."""
    states = load_states(path, ("T",), nz=info.shape[0])
    temp = states.fields["T"][0]
    mask = np.zeros(info.shape, bool)
    mask[0] = info.tmask[0]
    return {"T": (temp, mask)}


def generate_to_files(args) -> list[Path]:
    """The ``nemoml generate`` command."""
    from nemoml.generate.export import load_generator

    gen = load_generator(args.model)
    if getattr(args, "tile", 0):
        from nemoml.generate.tiled import tile_generator

        tile_generator(gen, args.tile)
    info = gen.layout.grid
    condition = sst_condition(args.condition_sst, info) if args.condition_sst else None
    names = [c for c in args.constraints.split("+") if c]
    fields = gen.sample(args.n, seed=args.seed, constraints=names, condition=condition,
                        steps=args.steps, sampler=args.sampler, eta=args.eta)
    attrs = {"generator": str(Path(args.model).resolve()), "seed": args.seed,
             "sampler": args.sampler, "constraints": "+".join(names) or "none",
             "eos": gen.density.eos}
    paths = [write_ensemble(args.out, fields, attrs)]
    if args.restart_template:
        stem = Path(args.out).with_suffix("")
        paths += write_restarts(f"{stem}_restart", fields, info, gen.density.eos,
                                args.restart_template)
    return paths
