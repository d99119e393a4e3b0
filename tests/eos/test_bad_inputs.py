"""Bad inputs at the API boundary: NaN, out-of-range values, shapes, dtypes, namelists."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nemoml.eos as eos
from nemoml.eos import EOS, EOSRangeWarning

E = EOS("teos10")


def test_nan_propagates_and_is_reported():
    T = np.full((3, 4, 5), 10.0)
    S = np.full((3, 4, 5), 35.0)
    T[1, 2, 3] = np.nan
    with pytest.warns(EOSRangeWarning, match=r"1 wet points with non-finite.*\(1, 2, 3\)"):
        rd, rp = eos.insitu(T, S, np.array([0.0, 100.0, 200.0]), E)
    assert np.isnan(rd[1, 2, 3]) and np.isnan(rp[1, 2, 3])
    assert np.isfinite(np.delete(rd.ravel(), 1 * 20 + 2 * 5 + 3)).all()


def test_out_of_range_warns_only_on_wet_points():
    T = np.array([10.0, 45.0, 50.0])
    S = np.array([35.0, 35.0, 60.0])
    with pytest.warns(EOSRangeWarning, match="2 wet points with T outside"):
        eos.rhd(T, S, 0.0, E)
    with pytest.warns(EOSRangeWarning, match="1 wet points with T outside.*index \\(1,\\)"):
        eos.rab(T, S, 0.0, E, mask=np.array([1.0, 1.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eos.rhd(T, S, 0.0, E, mask=np.array([1.0, 0.0, 0.0]))  # all bad points are land


def test_bn2_reports_out_of_range():
    T = np.array([20.0, 45.0, 5.0, 4.0])
    S = np.full(4, 35.0)
    with pytest.warns(EOSRangeWarning):
        eos.bn2(T, S, [5.0, 15, 25, 35], [0.0, 10, 20, 30], [5.0, 10, 10, 10], None, E)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match=r"T\(3, 4\), S\(3, 5\)"):
        eos.rhd(np.zeros((3, 4)), np.zeros((3, 5)), 0.0, E)
    with pytest.raises(ValueError, match="mask"):
        eos.rhd(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)), 0.0, E, mask=np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="1-D depth has 5 values but the fields have 2 levels"):
        eos.rhd(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)), np.zeros(5), E)
    with pytest.raises(ValueError, match="gdepw"):
        eos.bn2(
            np.zeros((4, 2, 2)), np.zeros((4, 2, 2)), np.zeros(4), np.zeros(3), np.ones(4), None, E
        )
    with pytest.raises(ValueError, match="tmask"):
        eos.level_means(np.zeros((4, 2, 2)), np.ones((3, 2, 2)))


def test_bad_dtypes_and_arguments_raise():
    with pytest.raises(TypeError, match="T must be a real"):
        eos.rhd(np.array(["a"]), np.zeros(1), 0.0, E)
    with pytest.raises(TypeError, match="S must be a real"):
        eos.rhd(np.zeros(1), np.zeros(1, complex), 0.0, E)
    with pytest.raises(TypeError, match="EOS"):
        eos.rhd(np.zeros(1), np.zeros(1), 0.0, "teos10")
    with pytest.raises(ValueError, match="backend"):
        eos.rhd(np.zeros(1), np.zeros(1), 0.0, E, backend="tpu")
    with pytest.raises(ValueError, match="unknown equation of state"):
        EOS("unesco")
    with pytest.raises(ValueError, match="finite"):
        EOS("seos", a0=float("nan"))


def test_dtype_rules_and_zero_copy_layouts():
    T32, S32 = np.full((2, 3, 4), 10.0, np.float32), np.full((2, 3, 4), 35.0, np.float32)
    assert eos.rhd(T32, S32, np.float32(10.0), E).dtype == np.float32
    assert eos.rhd(T32, S32.astype(float), 10.0, E).dtype == np.float64
    assert eos.rhd(np.array([10]), np.array([35]), 0, E).dtype == np.float64
    # a non-contiguous view and broadcast S give the same as contiguous inputs
    Tw = np.full((2, 3, 8), 10.0)[:, :, ::2]
    np.testing.assert_array_equal(
        eos.rhd(Tw, 35.0, 0.0, E),
        eos.rhd(np.full((2, 3, 4), 10.0), np.full((2, 3, 4), 35.0), 0.0, E),
    )
    assert eos.rhd(np.zeros((0, 3, 4)), np.zeros((0, 3, 4)), 0.0, E).shape == (0, 3, 4)


NAMELIST = """
!-----------------------------------------------------------------------
&nameos        !   ocean Equation Of Seawater                           (default: NO selection)
!-----------------------------------------------------------------------
   ln_teos10   = .false.        !  = Use TEOS-10
   ln_eos80    = .false.        !  = Use EOS80
   ln_seos     = .true.         !  = Use S-EOS (simplified Eq.)
   rn_a0       =  0.165      !  thermal expension coefficient
   rn_b0       =  7.6554d-1  !  saline  expension coefficient
   rn_lambda1  =  0.06       !  cabbeling coeff in T^2  (=0 for linear eos)
   rn_lambda2  =  0.         !  cabbeling coeff in S^2  (=0 for linear eos)
   rn_mu2      =  0.0        !  thermobaric coeff. in S (=0 for linear eos)
   rn_nu       =  0.0        !  cabbeling coeff in T*S  (=0 for linear eos)
/
"""


def test_from_namelist(tmp_path):
    e = EOS.from_namelist(NAMELIST)
    assert (e.kind, e.a0, e.b0, e.lambda1, e.lambda2, e.nu) == ("seos", 0.165, 0.76554, 0.06, 0, 0)
    assert e.mu1 == 1.497e-4 and e.T0 == 10.0  # not in the group: namelist_ref values
    path = tmp_path / "namelist_cfg"
    path.write_text(
        NAMELIST.replace("ln_eos80    = .false.", "ln_eos80 = .true.").replace(
            "ln_seos     = .true.", "ln_seos = .false."
        )
    )
    assert EOS.from_namelist(path).kind == "eos80"
    with pytest.raises(ValueError, match="exactly one"):
        EOS.from_namelist(NAMELIST.replace("ln_teos10   = .false.", "ln_teos10 = .true."))
    with pytest.raises(ValueError, match="no &nameos"):
        EOS.from_namelist("&namrun\n/\n")
    with pytest.raises(FileNotFoundError, match="no_such_namelist"):
        EOS.from_namelist(tmp_path / "no_such_namelist")
    with pytest.raises(ValueError, match="rn_a0"):
        EOS.from_namelist(NAMELIST.replace("0.165", "abc"))


def test_out_arrays_are_written_in_place_and_checked():
    T, S = np.full((2, 3, 4), 10.0), np.full((2, 3, 4), 35.0)
    rd, rp = np.empty_like(T), np.empty_like(T)
    res = eos.insitu(T, S, np.array([0.0, 500.0]), E, out=(rd, rp))
    assert res[0] is rd and res[1] is rp
    np.testing.assert_array_equal(rd, eos.rhd(T, S, np.array([0.0, 500.0]), E))
    with pytest.raises(ValueError, match="overlaps an input"):
        eos.rab(T, S, 0.0, E, out=(T, rp))
    with pytest.raises(ValueError, match=r"out\[1\] must be a writeable"):
        eos.rab(T, S, 0.0, E, out=(rd, rp.astype(np.float32)))
    with pytest.raises(ValueError, match="outputs overlap"):
        eos.insitu(T, S, 0.0, E, out=(rd, rd))
