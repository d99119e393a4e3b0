"""``nemoml eos`` self-check: passes here, reads a namelist, logs the CPU fallback."""

from __future__ import annotations

from nemoml import cli

NAMELIST = "&nameos\n ln_teos10 = .false.\n ln_eos80 = .true.\n ln_seos = .false.\n/\n"


def test_eos_self_check(tmp_path, capsys):
    path = tmp_path / "namelist_cfg"
    path.write_text(NAMELIST)
    assert cli.main(["eos", "--namelist", str(path)]) == 0
    out = capsys.readouterr().out
    assert "kind='eos80'" in out and "bit-identical: True" in out
    assert out.count(" ok") == 2
