"""``nemoml io collect``: a run's daily per-rank restarts into one daily file, each deleted once
its record is on disk. Restarts: the packaged NEMO GYRE restart split into 2 ranks as NEMO
writes them, as three consecutive days (kt, adatrj, ndastp and T set per day)."""

import shutil

import netCDF4
import numpy as np
import pytest

from nemoml.base import packaged
from nemoml.base.files import NemoFileError
from nemoml.cli import main as nemoml
from nemoml.grid import Grid
from nemoml.io import read_restart, split_ranks
from nemoml.io.collect import check_daily, collect

KT0, DT_STEPS = 278640, 6  # GYRE 1 degree: rn_Dt = 14400 s, 6 steps a day


@pytest.fixture(scope="module")
def grid():
    return Grid.from_mesh_mask(packaged.gyre("mesh_mask.nc"))


def day_restarts(run, days, exp="GYRE", jpni=2):
    """Per-rank restarts ``<exp>_<kt>_restart_NNNN.nc`` of the given day offsets."""
    run.mkdir(exist_ok=True)
    for d in days:
        kt = KT0 + d * DT_STEPS
        stem = run / f"{exp}_{kt:08d}_restart"
        for path in split_ranks(packaged.gyre("example_restart.nc"), stem, jpni, 1):
            with netCDF4.Dataset(path, "a") as ds:
                ds["kt"][...] = kt
                ds["adatrj"][...] = 46440 + d
                ds["ndastp"][...] = 1291230 + d if d == 0 else 1300100 + d
                ds["tn"][...] = np.where(ds["tn"][:] != 0, ds["tn"][:] + 0.001 * d, 0)
    return run


def test_round_trip_against_the_restarts_then_deleted(tmp_path, grid):
    run = day_restarts(tmp_path / "run", [0, 1, 2])
    truth = [read_restart(run / f"GYRE_{KT0 + d * DT_STEPS:08d}_restart.nc") for d in range(3)]
    done = collect(run, grid, tmp_path / "daily.nc")
    assert (done.records, done.added, done.deleted) == (3, 3, 3)
    assert not list(run.glob("*.nc"))  # every restart deleted once written
    with netCDF4.Dataset(tmp_path / "daily.nc") as ds:
        assert list(ds["time"][:]) == [46440, 46441, 46442]
        assert list(ds["kt"][:]) == [KT0, KT0 + 6, KT0 + 12]
        assert list(ds["model_year"][:]) == [129, 130, 130]
        for d, state in enumerate(truth):
            np.testing.assert_allclose(ds["thetao"][d], state.T, atol=1e-3)
            np.testing.assert_allclose(ds["so"][d], state.S, atol=1e-4)
            np.testing.assert_allclose(ds["zos"][d], state.SSH, atol=1e-4)
            np.testing.assert_allclose(ds["uos"][d], state.U[0], atol=1e-4)
            assert ds["thetao"].dtype == np.float32 and ds["thetao"].filters()["zlib"]
    assert check_daily(tmp_path / "daily.nc").size == 3


def test_appends_and_resumes_after_an_interrupted_record(tmp_path, grid):
    out = tmp_path / "daily.nc"
    collect(day_restarts(tmp_path / "run", [0]), grid, out)
    with netCDF4.Dataset(out, "a") as ds:  # a crash after the fields, before kt
        ds["thetao"][1] = 99.0
        ds["time"][1] = 46441
    run = day_restarts(tmp_path / "run", [1, 2])
    done = collect(run, grid, out)
    assert (done.records, done.added) == (3, 2)
    with netCDF4.Dataset(out) as ds:
        assert float(ds["thetao"][1].max()) < 30 and list(ds["kt"][:]) == [KT0, KT0 + 6, KT0 + 12]


def test_a_restart_already_in_the_file_is_only_deleted(tmp_path, grid):
    out = tmp_path / "daily.nc"
    collect(day_restarts(tmp_path / "run", [0, 1]), grid, out)
    run = day_restarts(tmp_path / "run", [1])  # left behind by a crash after its sync
    done = collect(run, grid, out)
    assert (done.records, done.added, done.deleted) == (2, 0, 1) and not list(run.glob("*"))


def test_keep_leaves_the_restarts(tmp_path, grid):
    run = day_restarts(tmp_path / "run", [0, 1])
    assert collect(run, grid, tmp_path / "daily.nc", keep=True).deleted == 0
    assert len(list(run.glob("*.nc"))) == 4


def test_a_truncated_restart_stops_naming_it_and_nothing_is_deleted(tmp_path, grid):
    run = day_restarts(tmp_path / "run", [0, 1])
    bad = run / f"GYRE_{KT0 + 6:08d}_restart_0001.nc"
    bad.write_bytes(bad.read_bytes()[:5000])
    with pytest.raises(NemoFileError, match=bad.name):
        collect(run, grid, tmp_path / "daily.nc")
    assert bad.exists() and len(list(run.glob("*.nc"))) == 2  # day 0 written, then deleted
    with netCDF4.Dataset(tmp_path / "daily.nc") as ds:
        assert list(ds["kt"][:]) == [KT0]


def test_a_missing_day_stops_naming_both_days(tmp_path, grid):
    run = day_restarts(tmp_path / "run", [0, 2])
    with pytest.raises(NemoFileError, match=r"day 46442 follows day 46440 \(record 0"):
        collect(run, grid, tmp_path / "daily.nc")
    assert len(list(run.glob("*.nc"))) == 2  # the day after the gap is kept


def test_a_restart_of_another_grid_or_without_a_variable(tmp_path, grid):
    run = day_restarts(tmp_path / "run", [0])
    other = Grid.from_arrays(np.ones((31, 22, 30), bool), grid.gdept_1d, grid.e3t_1d,
                             source="a 30-column mesh")
    with pytest.raises(NemoFileError, match="does not match the mesh a 30-column mesh"):
        collect(run, other, tmp_path / "other.nc")
    for f in run.glob("*.nc"):
        with netCDF4.Dataset(f, "a") as ds:
            ds.renameVariable("sn", "sn_lost")
    with pytest.raises(NemoFileError, match="'sn'"):
        collect(run, grid, tmp_path / "daily.nc")


def test_a_daily_file_with_a_gap_is_refused_naming_the_record(tmp_path, grid):
    out = tmp_path / "daily.nc"
    collect(day_restarts(tmp_path / "run", [0, 1]), grid, out)
    with netCDF4.Dataset(out, "a") as ds:
        ds["time"][1] = 46443
    with pytest.raises(NemoFileError, match=r"record 1 \(day 46443\) follows day 46440"):
        check_daily(out)


def test_the_command_line(tmp_path, capsys):
    run = day_restarts(tmp_path / "run", [0, 1])
    assert nemoml(["io", "collect", str(run), "--mesh", str(packaged.gyre("mesh_mask.nc")),
                   "--out", str(tmp_path / "d.nc")]) == 0
    assert "2 states (2 added, 2 restart sets deleted)" in capsys.readouterr().out
    shutil.rmtree(run)
