"""The generator's density against NEMO check values, gsw and the density room's EOS."""

import gsw
import numpy as np
import pytest
import torch

from nemoml.generate.density import Density


def _fallback(name: str) -> Density:
    d = Density(name)
    d._external = None  # exercise this module's own tables
    return d


def _t(v):
    return torch.as_tensor(np.asarray(v, np.float64))


def test_nemo_check_values():
    # eos_coefficients.json check values (NEMO's rho without r0, z = 3000 m, T = 3, S = 35.5)
    assert _fallback("eos80").rho(_t(3.0), _t(35.5), 3000.0).item() == \
        pytest.approx(1028.35011066567, abs=1e-9)
    assert _fallback("teos10").rho(_t(3.0), _t(35.5), 3000.0).item() == \
        pytest.approx(1028.21993233072, abs=1e-9)


def test_teos10_sigma0_against_gsw():
    rng = np.random.default_rng(0)
    ct = rng.uniform(-1.5, 30, 2000)
    sa = rng.uniform(33, 38, 2000)
    got = _fallback("teos10").sigma0(_t(ct), _t(sa)).numpy()
    assert np.abs(got - gsw.sigma0(sa, ct)).max() < 4e-4


@pytest.mark.parametrize("name", ["eos80", "teos10", "seos"])
def test_same_as_density_room(name):
    pytest.importorskip("nemoml.eos.torch_eos")
    rng = np.random.default_rng(1)
    temp, sal = _t(rng.uniform(0, 28, 500)), _t(rng.uniform(33, 37.5, 500))
    dep = _t(rng.uniform(0, 5000, 500))
    ours, theirs = _fallback(name), Density(name)
    assert theirs._external is not None, "nemoml.eos present but not used"
    assert torch.allclose(ours.sigma0(temp, sal), theirs.sigma0(temp, sal), atol=1e-9, rtol=0)
    assert torch.allclose(ours.rho(temp, sal, dep), theirs.rho(temp, sal, dep), atol=1e-9,
                          rtol=0)


def test_n2_matches_nemo_bn2_on_a_stable_column():
    eos_mod = pytest.importorskip("nemoml.eos")
    nz = 30
    gdepw = np.concatenate([[0.0], np.cumsum(np.linspace(10, 300, nz - 1))])
    gdept = np.concatenate([0.5 * gdepw[1:2], 0.5 * (gdepw[1:] + np.append(gdepw[2:], 4400))])
    e3w = np.diff(np.concatenate([[0.0], gdept]))
    temp = 2 + 18 * np.exp(-gdept / 500)
    sal = 35.2 - 0.2 * np.exp(-gdept / 1000)
    col = lambda a: a[:, None, None]  # noqa: E731
    ours = _fallback("eos80").n2(_t(col(temp)), _t(col(sal)), gdepw, e3w).numpy()[:, 0, 0]
    ref = eos_mod.bn2(col(temp), col(sal), gdept, gdepw, e3w, None, eos_mod.EOS("eos80"))
    ref = np.asarray(ref)[1:-1, 0, 0]  # interior w-levels 1..nz-2
    assert (ours > 0).all()
    # both are centred differences of the same EOS at the interface: agree to discretisation
    np.testing.assert_allclose(ours[:-1], ref, rtol=0.03)


def test_sigma0_gradient_is_exact():
    d = _fallback("eos80")
    temp = _t([2.0, 12.0, 25.0]).requires_grad_(True)
    sal = _t([34.5, 35.5, 37.0]).requires_grad_(True)
    assert torch.autograd.gradcheck(d.sigma0, (temp, sal))
    with pytest.raises(ValueError, match="unknown EOS"):
        Density("linear")
