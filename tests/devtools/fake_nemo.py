"""A stand-in for NEMO's executable, for check-nemo's own tests (no NEMO code here).

Run under mpirun in a directory prepared by check-nemo, it reads ``namelist_cfg`` and writes what
NEMO writes there: ``ocean.output`` (the start-up banner's ``AAAAAAAA``, the hooks' lines, the
closing flag), ``run.stat`` (one line a step), and with ``ln_meshmask`` a mesh mask: the embedded
GYRE mesh moved ``FAKE_NEMO_EAST`` degrees east (a 4.2-like grid, default 6.7). It stops as
NEMO and the bridge would: an EOS other than the generator's, a cycle window longer than the run.
A key of ``&nam_asminc`` that namelist_ref lacks stops it (NEMO's "misspelled variable").
``FAKE_NEMO_STOP_AT=K``: the run stops quietly after step K with status 0 (the banner only).
"""

import json
import os
import sys
from pathlib import Path

from nemoml.devtools import nemo_namelist as nml

FLAG = "\n AAAAAAAA\n"


def main() -> int:
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
    if rank != 0:
        return 0
    texts = [Path("namelist_cfg").read_text()]
    get = lambda group, key, default=None: (  # noqa: E731
        v if (v := nml.lookup(texts, group, key)) is not None else default)
    out = open("ocean.output", "w")
    out.write(" NEMO stand-in (tests)\n" + FLAG)
    itend = int(get("namrun", "nn_itend"))
    # as NEMO reads &nam_asminc: a key namelist_ref does not have is a misspelled variable
    keys = {}
    for name in ("namelist_cfg", "namelist_ref"):
        lines = Path(name).read_text().splitlines()
        keys[name] = {k for g in nml.groups(lines, "nam_asminc")
                      for _, k, _ in nml.assignments(lines, g)}
    if keys["namelist_cfg"] - keys["namelist_ref"]:
        out.write(" ===>>> : E R R O R\n misspelled variable in namelist nam_asminc in "
                  "configuration namelist\n")
        return 123
    stop_at = int(os.environ.get("FAKE_NEMO_STOP_AT", "0")) or None
    if get("namdom", "ln_meshmask", False):
        write_mesh(float(os.environ.get("FAKE_NEMO_EAST", "6.7")))
    on = get("namnemoml", "ln_nemoml", False)
    out.write(f"   Namelist namnemoml : ln_nemoml = {'T' if on else 'F'}\n")
    if on and get("namnemoml", "ln_nemoml_istate", False):
        gen = Path(get("namnemoml", "cn_nemoml_generator"))
        eos = json.loads((gen / "generator.json").read_text())["eos"]["name"]
        wanted = {"teos10": "ln_teos10", "eos80": "ln_eos80", "seos": "ln_seos"}[eos]
        if not get("nameos", wanted, eos == "eos80"):
            out.write(f" ===>>> : E R R O R\n generator was trained with {eos} but this run's "
                      "&nameos sets another\n")
            return 1
        out.write(f" nemoml_hooks_istate : generated initial state ({gen})\n")
    cycle = int(get("namnemoml", "nn_nemoml_cycle", 0)) if on else 0
    spd = int(round(86400 / float(get("namdom", "rn_Dt"))))
    if cycle and cycle * spd > itend:
        out.write(f" ===>>> : E R R O R\n nn_nemoml_cycle = {cycle} days is longer than the "
                  "run\n")
        return 1
    with open("run.stat", "w") as stat:
        for kt in range(1, itend + 1):
            stat.write(f" it :{kt:8d}    |ssh|_max:  0.1D+01 |U|_max:  0.1D+00\n")
            if cycle and kt % (cycle * spd) == 0 and kt < itend:
                out.write(f" nemoml_asmcycle : increment of the window ending at kt = {kt:8d}\n")
            if stop_at and kt == stop_at:
                return 0
    out.write(FLAG)
    return 0


def write_mesh(east: float) -> None:
    import netCDF4

    from nemoml.base.packaged import gyre

    with netCDF4.Dataset(gyre("mesh_mask.nc")) as src, netCDF4.Dataset("mesh_mask.nc", "w") as dst:
        for name, dim in src.dimensions.items():
            dst.createDimension(name, None if dim.isunlimited() else len(dim))
        for name, var in src.variables.items():
            v = dst.createVariable(name, var.dtype, var.dimensions)
            data = var[...]
            v[...] = data + east if name in ("glamt", "glamu", "glamv", "nav_lon") else data


if __name__ == "__main__":
    sys.exit(main())
