"""The demo's GYRE part end to end, as ``make demo`` runs it: the real embedded generator
inline in the stand-in host on 2 ranks, the real report card and verdict. On 07daec6 (the
verdict judged against the embedded sample of years 127-129) this failed."""

import shutil

import numpy as np
import pytest
from netCDF4 import Dataset

from nemoml.base.paths import package_subdir
from nemoml.demo import gyre

pytestmark = [pytest.mark.mpi,
              pytest.mark.skipif(shutil.which("mpirun") is None, reason="no mpirun"),
              pytest.mark.skipif(not (package_subdir("data") / "generator").is_dir(),
                                 reason="no embedded generator")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    import contextlib
    import io

    work = tmp_path_factory.mktemp("gyre_demo")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        passed = gyre.run(work, 2)
    return work, passed, out.getvalue()


def test_the_gyre_part_passes_and_says_what_it_compares_with(demo_run):
    _, passed, out = demo_run
    assert passed, out
    assert "against the generator's 151 training states" in out
    rows = [ln for ln in out.splitlines() if ln.startswith(("  ok ", "  FAIL "))]
    assert len(rows) == 11 and all(r.startswith("  ok ") for r in rows), rows


def test_a_state_of_level_means_fails_on_its_horizontal_structure(demo_run, tmp_path):
    """The generated state with T and S replaced by their level means: statically stable,
    with the right T-S and box means, but no gyre; the structure check fails it (and C1, C2
    by the nonlinear EOS: a level's mean T and S are not of its mean density)."""
    work, _, _ = demo_run
    flat = tmp_path / "flat.nc"
    shutil.copy(work / "GYRE_generated_restart.nc", flat)
    mask = Dataset(package_subdir("data") / "gyre" / "mesh_mask.nc")
    tmask = np.asarray(mask["tmask"][0], bool)
    area = np.asarray(mask["e1t"][0]) * np.asarray(mask["e2t"][0])
    with Dataset(flat, "a") as ds:
        for name in ("tn", "sn"):
            val = np.asarray(ds[name][0])
            w = tmask * area
            level = (val * w).sum((1, 2)) / np.maximum(w.sum((1, 2)), 1e-30)
            ds[name][0] = np.where(tmask, level[:, None, None], 0.0)
    rows = {what: ok for what, _, ok in gyre.judge(flat, tmp_path / "report")}
    failed = {what for what, ok in rows.items() if not ok}
    assert {"horizontal structure of T / training",
            "horizontal structure of S / training"} <= failed, rows
    assert rows["density inversions (>1e-5, local) %"] and rows["T-S residual rms"], rows
