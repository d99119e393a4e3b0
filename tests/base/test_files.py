"""Atomic writes: a reader never sees a half-written file, a failed write leaves nothing."""

import os
import stat

import pytest

from nemoml.base.files import NemoFileError, atomic_path, atomic_text, atomic_write


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path):
    target = tmp_path / "solver.pt2"
    target.write_text("old")

    def half(path):
        path.write_text("partial")
        raise RuntimeError("bad input found halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        atomic_write(target, half)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solver.pt2"]


def test_the_temporary_keeps_the_suffix_and_the_file_gets_the_users_mode(tmp_path):
    seen = []
    atomic_write(tmp_path / "a" / "b.pt2", lambda p: (seen.append(p.name), p.write_text("x")))
    assert seen[0].endswith(".pt2")  # torch.export.save insists on it
    mode = stat.S_IMODE(os.stat(tmp_path / "a" / "b.pt2").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # not mkstemp's 0600


def test_a_nemo_output_path_needs_its_directory(tmp_path):
    with pytest.raises(NemoFileError, match="output directory does not exist"):
        with atomic_path(tmp_path / "missing" / "restart.nc"):
            pass


def test_replacing_text_keeps_an_existing_files_mode(tmp_path):
    path = tmp_path / "namelist_cfg"
    path.write_text("a")
    path.chmod(0o640)
    atomic_text(path, "b")
    assert path.read_text() == "b" and stat.S_IMODE(path.stat().st_mode) == 0o640
