"""patch-nemo on NEMO-like files written here (no NEMO code): anchors found, missing, run twice."""

import re
from pathlib import Path

import pytest

from nemoml.devtools.nemo_patch import MARK, PatchError, parse_settings, patch_config

NEMOGCM = """MODULE nemogcm
   USE istate         ! initial state setting          (istate_init routine)
CONTAINS
   SUBROUTINE nemo_gcm
      CALL nemo_dealloc()
      CALL nemo_closefile
   END SUBROUTINE nemo_gcm
   SUBROUTINE nemo_init
                           CALL     dom_init( Nbb, Nnn, Naa )   ! Domain
                           CALL  istate_init( Nbb, Nnn, Naa )
                           CALL dyn_spg_init         ! surface pressure gradient
   END SUBROUTINE nemo_init
   SUBROUTINE nemo_closefile
   END SUBROUTINE nemo_closefile
END MODULE nemogcm
"""
ISTATE = """MODULE istate
   USE restart         ! restart
CONTAINS
   SUBROUTINE istate_init( Kbb, Kmm, Kaa )
      IF( ln_rstart ) THEN
         CALL rst_read( Kbb, Kmm )
      ENDIF
#if defined key_RK3
      IF( .NOT. ln_rstart ) THEN
#endif
   END SUBROUTINE istate_init
END MODULE istate
"""
ASMINC = """MODULE asminc
   USE lib_mpp         ! MPP library
   PRIVATE
   PUBLIC   asm_inc_init   !: Initialize the increment arrays and IAU weights
CONTAINS
   SUBROUTINE asm_inc_init( Kbb, Kmm, Krhs )
      IF ( ln_trainc .OR. ln_dyninc .OR.   &
         & ln_sshinc .OR. ln_sicinc .OR. ln_sitinc   ) THEN
         CALL iom_open( c_asminc, inum )
      ENDIF
   END SUBROUTINE asm_inc_init
END MODULE asminc
"""

STPRK3 = """MODULE stprk3
   USE step_oce       ! time stepping used modules
CONTAINS
   SUBROUTINE stp_RK3( kstp )
      Nrhs = Nbb   ;   Nbb  = Naa   ;   Naa  = Nrhs    ! Swap: Nnn unchanged, Nbb <==> Naa
                         CALL stp_ctl      ( kstp, Nbb )
   END SUBROUTINE stp_RK3
END MODULE stprk3
"""
STPMLF = STPRK3.replace("stprk3", "stpmlf").replace("RK3", "MLF").replace("Nbb )", "Nnn )")


@pytest.fixture
def tree(tmp_path):
    nemo = tmp_path / "nemo"
    for rel, text in (("src/OCE/nemogcm.F90", NEMOGCM), ("src/OCE/DOM/istate.F90", ISTATE),
                      ("src/OCE/ASM/asminc.F90", ASMINC), ("src/OCE/stprk3.F90", STPRK3),
                      ("src/OCE/stpmlf.F90", STPMLF)):
        (nemo / rel).parent.mkdir(parents=True, exist_ok=True)
        (nemo / rel).write_text(text)
    config = nemo / "cfgs" / "MY_GYRE"
    (config / "EXPREF").mkdir(parents=True)
    (config / "EXPREF" / "namelist_cfg").write_text("&namrun\n   nn_itend = 10\n/\n")
    return nemo, config


def _lines(path):
    return path.read_text().splitlines()


def test_patch_inserts_at_the_anchors(tree):
    nemo, config = tree
    report = patch_config(config)
    mysrc = config / "MY_SRC"
    gcm = _lines(mysrc / "nemogcm.F90")
    i_dom = next(k for k, ln in enumerate(gcm) if "CALL     dom_init" in ln)
    assert "nemoml_hooks_init( Nbb, Nnn, Naa )" in gcm[i_dom + 1]
    i_close = next(k for k, ln in enumerate(gcm) if ln.strip() == "CALL nemo_closefile")
    assert "nemoml_hooks_finalize" in gcm[i_close - 1]
    i_spg = next(k for k, ln in enumerate(gcm) if "CALL dyn_spg_init" in ln)
    assert "CALL nemoml_hooks_barotropic" in gcm[i_spg + 1]
    ist = _lines(mysrc / "istate.F90")
    i_rk3 = ist.index("#if defined key_RK3")
    assert "nemoml_hooks_istate( Kbb, Kmm, Kaa )" in ist[i_rk3 - 1]
    asm = (mysrc / "asminc.F90").read_text()
    assert "IF( ln_nemoml_asm ) THEN" in asm and "ELSE IF ( ln_trainc .OR. ln_dyninc" in asm
    assert "      IF ( ln_trainc" not in asm
    assert "PUBLIC   ssh_bkginc" in asm.splitlines()[5]
    for name, level in (("stprk3.F90", "Nbb"), ("stpmlf.F90", "Nnn")):
        stp = _lines(mysrc / name)
        i_ctl = next(k for k, ln in enumerate(stp) if "CALL stp_ctl" in ln)
        assert f"CALL nemoml_asmcycle_step( kstp, {level} )" in stp[i_ctl + 1]
        assert "USE nemoml_asmcycle" in stp[2]
    for name in ("nemoml.F90", "nemoml_nam.F90", "nemoml_hooks.F90", "nemoml_hooks_asm.F90",
                 "nemoml_asmcycle.F90"):
        assert (mysrc / name).is_file()
    assert "&namnemoml" in (config / "EXPREF" / "namelist_cfg").read_text()
    assert sum(MARK in ln for ln in gcm + ist) == 6
    assert any("line" in r for r in report)
    # the NEMO tree itself is untouched
    assert (nemo / "src/OCE/nemogcm.F90").read_text() == NEMOGCM


def test_patch_is_idempotent(tree):
    _, config = tree
    patch_config(config)
    first = {p.name: p.read_text() for p in (config / "MY_SRC").iterdir()}
    nml = (config / "EXPREF" / "namelist_cfg").read_text()
    report = patch_config(config)
    assert {p.name: p.read_text() for p in (config / "MY_SRC").iterdir()} == first
    assert (config / "EXPREF" / "namelist_cfg").read_text() == nml
    assert sum("already" in r for r in report) == 14


def test_nemo42_has_one_step_file_and_none_is_an_error(tree):
    """NEMO 4.2's stp lives in step.F90 (no stprk3/stpmlf); a tree with none of them stops."""
    nemo, config = tree
    for name in ("stprk3.F90", "stpmlf.F90"):
        (nemo / "src/OCE" / name).unlink()
    (nemo / "src/OCE/step.F90").write_text(STPMLF.replace("stpmlf", "step"))
    patch_config(config)
    assert "nemoml_asmcycle_step( kstp, Nnn )" in (config / "MY_SRC" / "step.F90").read_text()
    assert not (config / "MY_SRC" / "stprk3.F90").exists()
    (nemo / "src/OCE/step.F90").unlink()
    (config / "MY_SRC" / "step.F90").unlink()
    with pytest.raises(PatchError, match="time step: none of stprk3.F90, stpmlf.F90, step.F90"):
        patch_config(config)


def test_missing_anchor_names_file_and_anchor_and_writes_nothing(tree):
    nemo, config = tree
    (nemo / "src/OCE/DOM/istate.F90").write_text(ISTATE.replace("#if defined key_RK3\n", ""))
    with pytest.raises(PatchError, match=r"istate.F90: anchor for 'initial state after the "
                                         r"restart/rest block"):
        patch_config(config)
    assert not (config / "MY_SRC").exists()


def test_user_my_src_copy_is_patched(tree):
    _, config = tree
    (config / "MY_SRC").mkdir()
    (config / "MY_SRC" / "istate.F90").write_text(ISTATE.replace("restart\n", "restart ! user\n"))
    patch_config(config)
    assert "! user" in (config / "MY_SRC" / "istate.F90").read_text()


def test_missing_nemo_tree(tmp_path):
    config = tmp_path / "cfgs" / "X"
    config.mkdir(parents=True)
    with pytest.raises(PatchError, match="nemogcm.F90: neither"):
        patch_config(config)


def test_every_exp_directory_of_a_makenemo_config_gets_the_block(tree):
    # `makenemo -n NAME -r REF` copies REF/EXPREF to NAME/EXP00: there is no EXPREF
    nemo, config = tree
    made = nemo / "cfgs" / "GYRE_NML"
    (made / "EXP00").mkdir(parents=True)
    (made / "EXP01").mkdir()
    (made / "EXP02").mkdir()  # no namelist_cfg: left alone
    for exp in ("EXP00", "EXP01"):
        (made / exp / "namelist_cfg").write_text("&namrun\n   nn_itend = 10\n/\n")
    report = patch_config(made)
    for exp in ("EXP00", "EXP01"):
        assert "&namnemoml" in (made / exp / "namelist_cfg").read_text()
        assert any(r.startswith(f"{exp}/namelist_cfg: &namnemoml appended") for r in report)
    assert not (made / "EXP02" / "namelist_cfg").exists()
    assert sum("already present" in r for r in patch_config(made)) == 2


def test_no_namelist_names_the_installed_block(tree):
    from nemoml.devtools.nemo_patch import namelist_file

    _, config = tree
    (config / "EXPREF" / "namelist_cfg").unlink()
    report = patch_config(config)
    hint = next(r for r in report if r.startswith("no EXP*/namelist_cfg"))
    assert str(namelist_file()) in hint and namelist_file().is_file()
    assert "&namnemoml" in namelist_file().read_text()


def test_written_files_follow_the_umask_and_keep_modes(tree):
    import os

    _, config = tree
    nml = config / "EXPREF" / "namelist_cfg"
    nml.chmod(0o640)
    old = os.umask(0o022)
    try:
        patch_config(config)
    finally:
        os.umask(old)
    assert (config / "MY_SRC" / "nemogcm.F90").stat().st_mode & 0o777 == 0o644
    assert (config / "MY_SRC" / "nemoml_hooks.F90").stat().st_mode & 0o777 == 0o644
    assert nml.stat().st_mode & 0o777 == 0o640


def test_a_block_of_an_older_nemoml_is_brought_up_to_date(tree):
    """MY_SRC patched by an older nemoml (its increments call without &nam_asminc's switches):
    patching again updates the marked lines instead of keeping them."""
    _, config = tree
    patch_config(config)
    asm = config / "MY_SRC" / "asminc.F90"
    new = asm.read_text()
    asm.write_text(new.replace(", ln_trainc, ln_dyninc, ln_sshinc )", " )")
                   .replace("USE nemoml_hooks_asm, ONLY", "USE nemoml_hooks, ONLY"))
    report = patch_config(config)
    assert asm.read_text() == new
    assert [r for r in report if r.endswith(": updated")] == [
        "asminc.F90: module: updated",
        "asminc.F90: increments filled inline instead of read from the file: updated"]


def _nml(config):
    return (config / "EXPREF" / "namelist_cfg").read_text()


def test_settings_are_set_in_the_appended_block(tree):
    from nemoml.devtools import nemo_namelist as nml
    from nemoml.devtools.nemo_patch import istate_settings

    nemo, config = tree
    report = patch_config(config, nemo, istate_settings())
    text = _nml(config)
    assert len(nml.groups(text.splitlines(), "namnemoml")) == 1
    assert nml.lookup([text], "namnemoml", "ln_nemoml") is True
    assert nml.lookup([text], "namnemoml", "ln_nemoml_istate") is True
    gen = nml.lookup([text], "namnemoml", "cn_nemoml_generator")
    assert gen and (Path(gen) / "generator.json").is_file()
    # the line keeps its place and comment
    assert re.search(r"^\s*ln_nemoml\s*=\s*\.true\.\s*!\s*switch the plugin on", text, re.M)
    assert any("set ln_nemoml = .true." in r for r in report)


def test_an_existing_block_is_edited_not_doubled(tree):
    from nemoml.devtools import nemo_namelist as nml

    nemo, config = tree
    path = config / "EXPREF" / "namelist_cfg"
    path.write_text(_nml(config) + "&namnemoml\n   ln_nemoml = .false., nn_nemoml_steps = 7\n/\n")
    report = patch_config(config, nemo, parse_settings(["ln_nemoml=.true."]))
    text = _nml(config)
    assert len(nml.groups(text.splitlines(), "namnemoml")) == 1
    assert nml.lookup([text], "namnemoml", "ln_nemoml") is True
    assert nml.lookup([text], "namnemoml", "nn_nemoml_steps") == 7
    assert any("already present, set ln_nemoml = .true." in r for r in report)


def test_two_blocks_are_warned_about(tree):
    nemo, config = tree
    path = config / "EXPREF" / "namelist_cfg"
    path.write_text(_nml(config) + "&namnemoml\n   ln_nemoml = .false.\n/\n"
                    "&namnemoml   ! the README's block, added by hand\n   ln_nemoml = .true.\n/\n")
    report = patch_config(config, nemo)
    warning = next(r for r in report if r.startswith("warning:"))
    assert "EXPREF/namelist_cfg holds 2 &namnemoml blocks (lines 4, 7)" in warning
    assert "NEMO reads only the first" in warning


def test_an_unknown_key_names_the_closest(tree):
    with pytest.raises(PatchError, match=r"no key 'ln_nemoml_istat'.*'ln_nemoml_istate'"):
        parse_settings(["ln_nemoml_istat=.true."])
    with pytest.raises(PatchError, match="expected KEY=VALUE"):
        parse_settings(["ln_nemoml"])


def test_a_missing_configuration_says_how_to_create_it(tmp_path):
    with pytest.raises(PatchError, match=r"makenemo -n MY_GYRE -r REF .* -j 0"):
        patch_config(tmp_path / "cfgs" / "MY_GYRE", tmp_path)
