"""Truth runs of eddying GYRE at 1/4 degree (``../shared/data/gyre025``), in chunks, resumable.

A run continues NEMO's own ``restart_y1.nc`` with the namelist changes of that folder's README
(nn_GYRE = 4, rn_Dt = 3600 s, bilaplacian viscosity, iso-neutral diffusion, EOS-80), writes a
restart every model day, and after each chunk collects the day's T, S, SSH and surface U, V into
``<out>/daily.nc`` (:mod:`nemoml.io.collect`), deleting the restarts (a year of them is 7.5 GB).
The last restart of a chunk is kept in ``<out>/start/`` and the next chunk starts from it, so a
killed run goes on from its last whole chunk.

    python -m nemoml.devtools.gyre025 CFG_DIR OUT_DIR --days 720 [--ranks 2] [--chunk 30]

``CFG_DIR`` is a GYRE configuration built with the plugin (``nemo_patches/README.md``); the
executable is NEMO's, nothing of NEMO is copied here.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from nemoml.base.paths import shared_data
from nemoml.devtools.check_nemo import CheckError, prepare, read_config, run_nemo
from nemoml.io.collect import restart_sets

DATA = shared_data("gyre025")
STEPS_PER_DAY = 24  # rn_Dt = 3600 s
KT_Y1 = 8640  # restart_y1.nc: the end of the spin-up year
# ../shared/data/gyre025/README.md, "The configuration"
EDITS = {
    "namusr_def": {"nn_GYRE": "4"},
    "namdom": {"rn_Dt": "3600."},
    "namrun": {"nn_leapy": "30", "ln_rstart": ".true.", "nn_rstctl": "2",
               "nn_stock": str(STEPS_PER_DAY)},
    "namdyn_ldf": {"ln_dynldf_lap": ".false.", "ln_dynldf_blp": ".true.",
                   "ln_dynldf_lev": ".true.", "nn_ahm_ijk_t": "0", "rn_Uv": "0.06",
                   "rn_Lv": "26.5e+3"},
    "namtra_ldf": {"rn_Ud": "0.024", "rn_Ld": "25.e+3"},
    "nameos": {"ln_eos80": ".true.", "ln_teos10": ".false.", "ln_seos": ".false."},
    "namnemoml": {"ln_nemoml": ".false."},
}


def _start(out: Path) -> tuple[str, Path, int]:
    """(cn_ocerst_in, cn_ocerst_indir, its kt): the last kept restart, else restart_y1."""
    kept = restart_sets(out / "start") if (out / "start").is_dir() else []
    if kept:
        kt, path = kept[-1]
        stem = path.name.split("_restart")[0] + "_restart"
        return stem, path.parent, kt
    restart = DATA / "restart_y1.nc"
    if not restart.is_file():
        raise CheckError(f"no {restart}: the 1/4-degree data is not beside the repository")
    return "restart_y1", DATA, KT_Y1


def run_chunk(cfg_dir: Path, out: Path, days: int, ranks: int = 2) -> int:
    """Run ``days`` model days from the last kept restart; returns the new last kt."""
    from nemoml.grid import Grid
    from nemoml.io.collect import collect

    cfg = read_config(cfg_dir)
    stem, where, kt0 = _start(out)
    run = out / "run"
    if run.exists():
        shutil.rmtree(run)  # an interrupted chunk: redone from the kept restart
    edits = {g: dict(v) for g, v in EDITS.items()}
    edits["namrun"].update({"nn_it000": str(kt0 + 1), "nn_itend": str(kt0 + days * STEPS_PER_DAY),
                            "cn_ocerst_in": f"'{stem}'", "cn_ocerst_indir": f"'{where}'"})
    run, itend = prepare(cfg, out, "run", days * STEPS_PER_DAY, edits)
    ok, why = run_nemo(run, ranks, itend, timeout=600 + days * 120).normal_end()
    if not ok:
        raise CheckError(f"the 1/4-degree run from kt {kt0} to {itend} did not end normally: "
                         f"{why}; see {run}/ocean.output")
    start = out / "start"
    last = restart_sets(run)[-1][1]
    fresh = start.with_name("start.new")
    fresh.mkdir()
    for f in run.glob(last.name.split("_restart")[0] + "_restart*.nc"):
        shutil.copy(f, fresh / f.name)
    # the daily file first: a kill here redoes the chunk, and collect skips what it has
    collect(run, Grid.from_mesh_mask(DATA / "mesh_mask.nc"), out / "daily.nc")
    if start.exists():
        shutil.rmtree(start)
    fresh.rename(start)
    return itend


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cfg_dir", type=Path, help="a GYRE configuration built with the plugin")
    p.add_argument("out", type=Path, help="where daily.nc, start/ and run/ go")
    p.add_argument("--days", type=int, required=True, help="model days from restart_y1")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--chunk", type=int, default=30, help="days per NEMO run")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    target = KT_Y1 + args.days * STEPS_PER_DAY
    kt = _start(args.out)[2]
    while kt < target:
        days = min(args.chunk, (target - kt) // STEPS_PER_DAY)
        kt = run_chunk(args.cfg_dir, args.out, days, args.ranks)
        print(f"day {(kt - KT_Y1) // STEPS_PER_DAY} of {args.days}: {args.out / 'daily.nc'}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
