"""Grid from NEMO mesh masks (GYRE 5.0, the 4.2/5.0 fixtures, DINO 1 deg) and from arrays."""

from __future__ import annotations

import shutil

import netCDF4
import numpy as np
import pytest

from nemoml.base.packaged import gyre
from nemoml.grid import Grid, NemoFileError


def _raw(path, name):
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds[name][:])


def test_gyre_mesh_mask_matches_file_and_readme():
    path = gyre("mesh_mask.nc")
    g = Grid.from_mesh_mask(path)
    assert (g.nz, g.ny, g.nx) == (31, 22, 32)
    assert g.tmask.dtype == bool
    np.testing.assert_array_equal(g.tmask, _raw(path, "tmask")[0] == 1)
    np.testing.assert_array_equal(g.e3t_1d, _raw(path, "e3t_1d")[0])
    # README: ocean interior 30 x 20 T points on 30 levels, level 31 land, flat bottom 4300.7 m
    assert g.tmask[:30, 1:-1, 1:-1].all() and g.tmask.sum() == 30 * 20 * 30
    assert not g.tmask[30].any()
    assert (g.mbkt[1:-1, 1:-1] == 30).all() and g.mbkt[0].sum() == 0
    assert g.e3t_1d[:30].sum() == pytest.approx(4300.7, abs=0.05)
    assert g.gdepw_1d[30] == pytest.approx(g.e3t_1d[:30].sum(), rel=1e-12)
    # closed C grid: a U point is wet iff both T neighbours are
    np.testing.assert_array_equal(g.umask[:, :, :-1], g.tmask[:, :, :-1] & g.tmask[:, :, 1:])
    np.testing.assert_array_equal(g.vmask[:, :-1], g.tmask[:, :-1] & g.tmask[:, 1:])
    # z-coordinate, flat bottom: U/V thicknesses are the 1-D profile
    np.testing.assert_array_equal(g.thickness("U"), np.broadcast_to(g.e3t_1d[:, None, None],
                                                                   g.shape))
    assert g.e1t.shape == (22, 32) and np.allclose(g.e1t, 106e3)


@pytest.mark.parametrize("version", ["4.2.0", "5.0"])
def test_nemo_fixture_mesh_masks(shared, version):
    path = shared / "nemo_fixtures" / version / "mesh_mask.nc"
    g = Grid.from_mesh_mask(path)
    assert g.shape == (4, 22, 32)
    np.testing.assert_array_equal(g.tmask, _raw(path, "tmask")[0] == 1)
    if version == "4.2.0":  # 4.2 writes the 3-D reference geometry, 5.0 with key_vco_1d does not
        np.testing.assert_array_equal(g.gdept, _raw(path, "gdept_0")[0])
        np.testing.assert_allclose(g.depth_t, np.broadcast_to(g.gdept_1d[:, None, None], g.shape))
    else:
        assert g.gdept is None and g.e3t is None
    assert g.glamt is not None and g.gphit.shape == (22, 32)


def test_dino_mesh_mask_other_shape(shared):
    path = shared / "dino" / "mesh_mask_1deg.nc"
    g = Grid.from_mesh_mask(path)
    assert g.shape == (36, 199, 62)
    assert g.attrs["Iperio"] == 1
    np.testing.assert_array_equal(g.vmask, _raw(path, "vmask")[0] == 1)
    # s-coordinate: 3-D thicknesses come from the file, and e3u_0 is used as stored
    np.testing.assert_array_equal(g.thickness_t, _raw(path, "e3t_0")[0])
    np.testing.assert_array_equal(g.thickness("U"), _raw(path, "e3u_0")[0])
    mbathy = _raw(path, "mbathy")[0]
    ocean = g.tmask[0]
    np.testing.assert_array_equal(g.mbkt[ocean], mbathy[ocean])
    assert (g.mbkt[~ocean] == 0).all()


def test_from_arrays_like_fortran_matches_mesh_mask():
    ref = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    # what the Fortran side passes: real 0/1 masks, no U/V masks, 1-D profiles
    g = Grid.from_arrays(ref.tmask.astype(np.float64), ref.gdept_1d, ref.e3t_1d,
                         e1t=ref.e1t, e2t=ref.e2t, mbkt=ref.mbkt)
    np.testing.assert_array_equal(g.umask, ref.umask)
    np.testing.assert_array_equal(g.vmask, ref.vmask)
    assert g.gdepw_1d is None and g.source == "<arrays>"
    sub = ref.window(slice(5, 12), slice(3, 20))
    assert sub.shape == (31, 7, 17)
    np.testing.assert_array_equal(sub.tmask, ref.tmask[:, 5:12, 3:20])
    np.testing.assert_array_equal(sub.e1t, ref.e1t[5:12, 3:20])


def test_from_arrays_rejects_bad_input():
    ref = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    with pytest.raises(NemoFileError, match="tmask.*only 0 and 1"):
        Grid.from_arrays(ref.tmask * 2.0 + 0.5, ref.gdept_1d, ref.e3t_1d)
    with pytest.raises(NemoFileError, match="'e3t_1d'.*shape"):
        Grid.from_arrays(ref.tmask, ref.gdept_1d, ref.e3t_1d[:-1])
    with pytest.raises(NemoFileError, match="'mbathy'.*disagrees"):
        Grid.from_arrays(ref.tmask, ref.gdept_1d, ref.e3t_1d, mbkt=ref.mbkt - 1)
    e1t = ref.e1t.copy()
    e1t[3, 3] = np.nan
    with pytest.raises(NemoFileError, match="'e1t'.*NaN"):
        Grid.from_arrays(ref.tmask, ref.gdept_1d, ref.e3t_1d, e1t=e1t)
    with pytest.raises(TypeError, match="unknown arrays"):
        Grid.from_arrays(ref.tmask, ref.gdept_1d, ref.e3t_1d, e4t=ref.e1t)


def _copy_without(src, dst, drop):
    with netCDF4.Dataset(src) as s, netCDF4.Dataset(dst, "w") as d:
        for n, dim in s.dimensions.items():
            d.createDimension(n, None if dim.isunlimited() else len(dim))
        for n, v in s.variables.items():
            if n != drop:
                d.createVariable(n, v.dtype, v.dimensions)[...] = v[...]


def test_bad_mesh_files_name_file_and_variable(tmp_path):
    src = gyre("mesh_mask.nc")
    _copy_without(src, tmp_path / "no_e1t.nc", "e1t")
    with pytest.raises(NemoFileError, match=r"no_e1t\.nc: variable 'e1t': missing"):
        Grid.from_mesh_mask(tmp_path / "no_e1t.nc")
    _copy_without(src, tmp_path / "no_tmask.nc", "tmask")
    with pytest.raises(NemoFileError, match="'tmask': missing"):
        Grid.from_mesh_mask(tmp_path / "no_tmask.nc")
    cut = tmp_path / "truncated.nc"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(NemoFileError, match="truncated.nc"):
        Grid.from_mesh_mask(cut)
    with pytest.raises(NemoFileError, match="no such file"):
        Grid.from_mesh_mask(tmp_path / "absent.nc")
    shutil.copy(src, tmp_path / "badmask.nc")
    (tmp_path / "badmask.nc").chmod(0o644)
    with netCDF4.Dataset(tmp_path / "badmask.nc", "a") as ds:
        ds["umask"][0, 0, 0, 0] = 3
    with pytest.raises(NemoFileError, match="'umask'.*only 0 and 1"):
        Grid.from_mesh_mask(tmp_path / "badmask.nc")
