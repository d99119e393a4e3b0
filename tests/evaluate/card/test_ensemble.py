"""The report card reads an ensemble of member restarts (``--set NAME='dir/*_m*.nc'``) as one
set and reports its spread."""

from __future__ import annotations

import json

import numpy as np

from nemoml.base.packaged import gyre
from nemoml.cli import main
from nemoml.grid import Grid
from nemoml.io import State, read_restart, write_restart


def test_card_reports_the_spread_of_member_restarts(tmp_path, capsys):
    grid = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    base = read_restart(gyre("example_restart.nc"), grid)
    rng = np.random.default_rng(1)
    sst = []
    for m in range(3):
        t = base.T + 0.2 * rng.standard_normal(grid.shape) * grid.tmask
        sst.append(t[0])
        write_restart(tmp_path / f"GYRE_generated_restart_m{m:03d}.nc",
                      State(t, base.S, base.U, base.V, base.SSH), grid)
    out = tmp_path / "card"
    assert main(["evaluate", "--mesh-mask", str(gyre("mesh_mask.nc")), "--reference",
                 str(gyre("gyre_states_sample.nc")), "--set",
                 f"Ensemble={tmp_path}/GYRE_generated_restart_m*.nc", "--out", str(out),
                 "--no-plots"]) == 0
    capsys.readouterr()
    card = json.loads((out / "report.json").read_text())["sets"]["Ensemble"]
    assert card["n_states"] == 3
    spread = np.std(sst, axis=0)[grid.tmask[0]].mean()
    assert abs(card["spread_sst"] - spread) < 1e-9
