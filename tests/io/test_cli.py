"""``nemoml io ...`` commands and ``nemoml bench io --json``."""

from __future__ import annotations

import json

import numpy as np

from nemoml.base.packaged import gyre
from nemoml.cli import main
from nemoml.io import read_restart, write_increments


def test_io_commands(tmp_path, grid, state, capsys):
    mesh = str(gyre("mesh_mask.nc"))
    assert main(["io", "split", str(gyre("example_restart.nc")), "--out-stem",
                 str(tmp_path / "rst"), "--jpni", "2", "--jpnj", "2"]) == 0
    assert len(list(tmp_path.glob("rst_*.nc"))) == 4
    assert main(["io", "join", str(tmp_path / "rst.nc"), "--out", str(tmp_path / "g.nc")]) == 0
    assert read_restart(tmp_path / "g.nc", grid).allclose(state)
    assert main(["io", "build-db", str(gyre("gyre_states_sample.nc")), "--mesh", mesh,
                 "--out", str(tmp_path / "db.nc"), "--variables", "T", "SSH"]) == 0
    assert "6 states" in capsys.readouterr().out
    inc = write_increments(tmp_path / "inc.nc", state, grid, 10101.0, 10102.0)
    assert main(["io", "check-increments", str(inc), "--mesh", mesh]) == 0
    assert "readable" in capsys.readouterr().out


def test_bench_io_json(capsys):
    assert main(["bench", "io", "--json", "--quick"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("seconds_load_gyre", "seconds_build_gyre", "speedup_load_vs_raw_read",
                "seconds_write_restart_template", "seconds_split_join_3x2"):
        assert np.isfinite(result[key]) and result[key] > 0
    assert result["states_loaded"] in (6, 310)
