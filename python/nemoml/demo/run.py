"""``nemoml demo``: the main job, on the embedded samples, through the stand-in NEMO host.

1. GYRE: the host starts from the embedded GYRE restart, generates a constrained initial state
   inline at istate (``ln_nemoml_istate``), writes it as a NEMO restart, and the physics report
   card compares it with the embedded GYRE states.
2. QG altimetry: the host's background is handed to 4DVarNet inline at asm_inc_init
   (``ln_nemoml_asm``) with simulated nadir altimetry; the increments are written as NEMO's
   ``assim_background_increments.nc`` and scored against the truth, next to OI on the same
   observations.
3. Cycling: the replay host runs 30 GYRE days as three 10-day windows, an EnOI analysis at
   the end of each (``nn_nemoml_cycle``) applied by IAU over the next; RMSE against the truth
   per window.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from nemoml.demo import cycle, gyre, qg

    workdir = Path(args.workdir or "nemoml-demo").resolve()
    print(f"nemoml demo: the stand-in NEMO host on {args.ranks} MPI rank(s); outputs in {workdir}")
    ok = True
    for part in (gyre, qg, cycle):
        t0 = time.perf_counter()
        ok &= part.run(workdir / part.NAME, args.ranks)
        print(f"[{part.NAME}: {time.perf_counter() - t0:.0f} s]\n", flush=True)
    print("demo " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1
