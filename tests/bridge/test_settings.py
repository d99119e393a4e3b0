import pytest

from nemoml.bridge.settings import Settings, parse_settings, parse_value


@pytest.mark.parametrize("text, value", [
    (".true.", True), (".FALSE.", False), ("'a b'", "a b"), ('"x"', "x"), ("3", 3),
    ("1.5d0", 1.5), ("-2e-3", -2e-3), ("word", "word"),
])
def test_fortran_values(text, value):
    assert parse_value(text) == value


def test_lines_comments_and_semicolons():
    text = ("nn_nemoml_threads = 2 ! two threads\n"
            "cn_nemoml_istate = 'model:x'; ln_nemoml_check_land=F")
    assert parse_settings(text) == {"nn_nemoml_threads": 2, "cn_nemoml_istate": "model:x",
                                    "ln_nemoml_check_land": False}


def test_hook_specs():
    s = Settings.from_text("ln_nemoml_istate = T\ncn_nemoml_generator = 'g'")
    assert s.hook_spec("nemoml_istate") == "generator"
    assert s.hook_spec("nemoml_increments") == ""
    s = Settings.from_text("cn_nemoml_istate = 'model:m'\nln_nemoml_istate = T")
    assert s.hook_spec("nemoml_istate") == "model:m"
    s = Settings.from_text("cn_nemoml_istate = 'model:m'")  # the switch is off
    assert s.hook_spec("nemoml_istate") == ""


def test_models_list():
    s = Settings.from_text("cn_nemoml_models = 'a=/x/a.pt, b = /y/b.pt2'")
    assert s.models() == {"a": "/x/a.pt", "b": "/y/b.pt2"}


@pytest.mark.parametrize("text, message", [
    ("nn_nemoml_thread = 1", r"unknown nemoml setting\(s\) 'nn_nemoml_thread'"),
    ("nn_nemoml_threads = 0", "nn_nemoml_threads must be an integer >= 1"),
    ("nn_nemoml_threads = 'two'", "nn_nemoml_threads must be an integer, got 'two'"),
    ("ln_nemoml_istate = 1", r"ln_nemoml_istate must be .true./.false."),
    ("cn_nemoml_sampler = 'euler'", "cn_nemoml_sampler = 'euler': choose one of 'ddim', 'ddpm'"),
    ("nn_nemoml_seed = -1", "nn_nemoml_seed must be >= 0"),
    ("ln_nemoml_istate = .true.", "ln_nemoml_istate = .true. needs cn_nemoml_generator"),
    ("ln_nemoml_asm = .true.\ncn_nemoml_da = 'x'", "needs cn_nemoml_da and cn_nemoml_obs"),
    ("cn_nemoml_models = 'nopath'", "expected 'name=path'"),
    ("cn_nemoml_istate = 3", "cn_nemoml_istate must be a quoted string"),
    ("just words", "expected 'key = value'"),
])
def test_bad_settings(text, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_text(text)


@pytest.mark.parametrize("text, message", [
    ("nn_nemoml_thread = 1", r"'nn_nemoml_thread' = 1 \(did you mean 'nn_nemoml_threads'\?\)"),
    ("nn_nemoml_threads = 'two'", r"got 'two' \(a quoted string\)"),
    ("ln_nemoml_c1 = 1.5", r"ln_nemoml_c1 must be .true./.false., got 1.5 \(a real\)"),
])
def test_bad_key_named_with_its_value(text, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_text(text)


@pytest.mark.parametrize("key", ["cn_nemoml_rstout", "cn_nemoml_incout"])
def test_unwritable_outputs_named(tmp_path, key):
    for bad in (tmp_path / "no" / "such" / "dir" / "out.nc", tmp_path):
        with pytest.raises(ValueError, match=f"{key} = '{bad}'"):
            Settings(**{key: str(bad)}).check_outputs()
    good = tmp_path / "out.nc"
    Settings(**{key: str(good)}).check_outputs()
    assert list(tmp_path.iterdir()) == []  # the probe leaves nothing behind
