"""``nemoml assimilate`` writes the increments on the model's jpk levels, as NEMO's
``asm_inc_init`` reads ``bckint/bckins/bckinu/bckinv`` (jpi, jpj, jpk) and ``bckineta``."""

import netCDF4
import numpy as np
import pytest

from nemoml import cli
from nemoml.assimilate.qg import truth as qg

from .test_analysis_cli import DAY, write_background

NZ = 5


def write_mesh_mask(path, ny: int, nx: int) -> None:
    """A NEMO-style mesh mask: NZ levels, a closed basin deepening eastwards."""
    tmask = np.zeros((NZ, ny, nx), np.int8)
    depth_levels = 1 + (np.arange(nx) * (NZ - 1)) // (nx - 1)  # 1..NZ wet levels
    for k in range(NZ):
        tmask[k, 1:-1, 1:-1] = (depth_levels[None, 1:-1] > k)
    umask = tmask * np.roll(tmask, -1, axis=2)
    vmask = tmask * np.roll(tmask, -1, axis=1)
    e3t = np.linspace(10.0, 50.0, NZ)
    gdepw = np.concatenate([[0.0], np.cumsum(e3t)[:-1]])
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("t", None)
        for name, size in (("z", NZ), ("y", ny), ("x", nx)):
            ds.createDimension(name, size)
        for name, m in (("tmask", tmask), ("umask", umask), ("vmask", vmask)):
            ds.createVariable(name, "i1", ("t", "z", "y", "x"))[0] = m
        for name, a in (("gdept_1d", gdepw + e3t / 2), ("gdepw_1d", gdepw), ("e3t_1d", e3t),
                        ("e3w_1d", e3t)):
            ds.createVariable(name, "f8", ("t", "z"))[0] = a
        for name in ("e1t", "e2t"):  # 15.625 km cells, as the QG grid
            ds.createVariable(name, "f8", ("t", "y", "x"))[0] = np.full((ny, nx), 15625.0)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("levels")
    truth = qg.load_truth(qg.SAMPLE_QG).days(1095, 1135)
    obs = tmp / "obs.nc"
    assert cli.main(["simulate-obs", "--truth", str(qg.SAMPLE_QG), "--days", "1095", "1135",
                     "--out", str(obs)]) == 0
    write_mesh_mask(tmp / "mesh_mask.nc", truth.y.size, truth.x.size)
    return tmp, obs, write_background(tmp / "bkg.nc", truth)


def test_increments_have_the_mesh_levels_nemo_reads(files):
    from nemoml.grid import Grid
    from nemoml.io import check_increments_file, read_increments

    tmp, obs, bkg = files
    out = tmp / "inc.nc"
    assert cli.main(["assimilate", "--obs", str(obs), "--background", str(bkg), "--day",
                     str(DAY), "--mesh-mask", str(tmp / "mesh_mask.nc"), "--out", str(out)]) == 0
    grid = Grid.from_mesh_mask(tmp / "mesh_mask.nc")
    check_increments_file(out, grid)  # (t, jpk, y, x) as asm_inc_init reads them
    with netCDF4.Dataset(out) as ds:
        for name in ("bckint", "bckins", "bckinu", "bckinv"):
            assert ds[name].shape == (1, NZ, *grid.shape[1:]), name
        assert ds["bckineta"].shape == (1, *grid.shape[1:])
        assert ds.dimensions["t"].isunlimited()
    inc = read_increments(out, grid).state
    assert np.abs(inc.SSH).max() > 0.01 and not inc.T.any()
    assert not inc.SSH[~grid.tmask[0]].any()  # land of the mesh is zeroed


def test_levels_without_a_mesh_and_refusals(files):
    from nemoml.io import read_increments

    tmp, obs, bkg = files
    args = ["assimilate", "--obs", str(obs), "--background", str(bkg), "--day", str(DAY)]
    assert cli.main([*args, "--levels", "3", "--out", str(tmp / "l3.nc")]) == 0
    assert read_increments(tmp / "l3.nc").state.T.shape == (3, 64, 64)
    with pytest.raises(SystemExit):  # the levels are required: no silent one-level file
        cli.main([*args, "--out", str(tmp / "never.nc")])
    small = tmp / "small_mesh.nc"
    write_mesh_mask(small, 32, 32)
    with pytest.raises(ValueError, match="horizontal grid"):
        cli.main([*args, "--mesh-mask", str(small), "--out", str(tmp / "never.nc")])
    assert not (tmp / "never.nc").exists()
