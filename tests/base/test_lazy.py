"""A room's face: public names load their module on first use and never shadow a submodule."""

import subprocess
import sys

import pytest

from nemoml.base.lazy import lazy_exports


def test_names_load_their_module_on_first_use():
    get, names = lazy_exports("nemoml.base", {"files": ("atomic_write",)})
    from nemoml.base.files import atomic_write

    assert names == ["atomic_write"] and get("atomic_write") is atomic_write
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        get("nothing")


def test_a_public_name_may_not_be_a_submodule():
    with pytest.raises(ValueError, match=r"\['files'\] are also submodules"):
        lazy_exports("nemoml.base", {"files": ("files",)})


def test_importing_the_rooms_does_not_import_torch():
    """The bridge runs inside NEMO: a room's face must not pull torch onto every rank."""
    code = ("import sys, nemoml.assimilate, nemoml.evaluate, nemoml.generate, nemoml.grid, "
            "nemoml.eos, nemoml.io, nemoml.bridge, nemoml.base; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
