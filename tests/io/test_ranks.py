"""Per-rank restart files (``_NNNN`` with ``DOMAIN_*``): split from a global file and rejoin."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest

from nemoml.grid import NemoFileError
from nemoml.io import join_ranks, rank_files, read_restart, split_ranks


def _assert_same_file(a, b):
    with netCDF4.Dataset(a) as x, netCDF4.Dataset(b) as y:
        assert list(x.dimensions) == list(y.dimensions)
        assert {n: len(d) for n, d in x.dimensions.items()} == {
            n: len(d) for n, d in y.dimensions.items()}
        assert list(x.variables) == list(y.variables)
        for name in x.variables:
            assert x[name].dimensions == y[name].dimensions
            assert x[name].dtype == y[name].dtype
            np.testing.assert_array_equal(x[name][...], y[name][...], err_msg=name)
        for attr in x.ncattrs():
            np.testing.assert_array_equal(x.getncattr(attr), y.getncattr(attr), err_msg=attr)


@pytest.mark.parametrize("jpni, jpnj", [(3, 2), (1, 1), (4, 3)])
def test_split_and_join_gives_the_global_restart_back(shared, tmp_path, grid, jpni, jpnj):
    src = shared / "gyre" / "example_restart.nc"
    files = split_ranks(src, tmp_path / "GYRE_restart", jpni, jpnj)
    assert [f.name for f in files] == [f"GYRE_restart_{r:04d}.nc" for r in range(jpni * jpnj)]
    covered = np.zeros((22, 32), int)
    for rank, f in enumerate(files):
        with netCDF4.Dataset(f) as ds:
            assert ds.DOMAIN_number == rank and ds.DOMAIN_number_total == jpni * jpnj
            assert list(ds.DOMAIN_size_global) == [32, 22]
            (i0, j0), (i1, j1) = ds.DOMAIN_position_first, ds.DOMAIN_position_last
            ni, nj = ds.DOMAIN_size_local
            assert (len(ds.dimensions["x"]), len(ds.dimensions["y"])) == (ni, nj)
            assert (i1 - i0 + 1, j1 - j0 + 1) == (ni, nj)
            covered[j0 - 1:j1, i0 - 1:i1] += 1
            # each block is the global field's window, no halo
            with netCDF4.Dataset(src) as g:
                np.testing.assert_array_equal(ds["tn"][...], g["tn"][..., j0 - 1:j1, i0 - 1:i1])
                np.testing.assert_array_equal(ds["kt"][...], g["kt"][...])
    assert (covered == 1).all()
    # NEMO's mpp_basesplit: the first (32-1) mod jpni + 1 columns get one more point
    with netCDF4.Dataset(files[0]) as ds:
        assert ds.DOMAIN_size_local[0] == -(-32 // jpni)
    joined = join_ranks(files[-1], tmp_path / "joined.nc")
    _assert_same_file(joined, src)
    # NEMO reads <cn_ocerst_in>_NNNN.nc when <cn_ocerst_in>.nc is absent; so do we
    assert read_restart(tmp_path / "GYRE_restart.nc", grid).allclose(read_restart(src, grid))


def test_rank_files_errors(tmp_path, restart_path):
    files = split_ranks(restart_path, tmp_path / "r", 2, 2)
    assert rank_files(files[2]) == files
    files[1].unlink()
    with pytest.raises(NemoFileError, match=r"missing \[1\]"):
        read_restart(files[0])
    with pytest.raises(NemoFileError, match="no per-rank files nothing_NNNN"):
        rank_files(tmp_path / "nothing.nc")
    with pytest.raises(NemoFileError, match="already one rank's file"):
        split_ranks(files[0], tmp_path / "again", 2, 1)
    with netCDF4.Dataset(files[2], "a") as ds:
        ds.DOMAIN_position_first = np.array([30, 20], dtype=np.int32)
    files[1].write_bytes(files[3].read_bytes())
    with pytest.raises(NemoFileError, match="outside the global grid"):
        read_restart(files[0])
