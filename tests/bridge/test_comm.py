"""Failure agreement must itself never fail: every exception becomes a message."""

import pytest

from nemoml.bridge.comm import Agreement, HookError, describe, first_difference


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text")


@pytest.mark.parametrize("exc, text", [
    (EOFError(""), "EOFError"),
    (MemoryError(), "MemoryError"),
    (KeyboardInterrupt(), "KeyboardInterrupt"),
    (SystemExit(3), "SystemExit: 3"),
    (Unprintable(), "Unprintable"),
    (ValueError("\n\n"), "ValueError"),
])
def test_describe_never_fails(exc, text):
    assert describe(exc).startswith(text)


def _raise(exc):
    raise exc


@pytest.mark.parametrize("exc", [EOFError(""), KeyboardInterrupt(), SystemExit(1),
                                 Unprintable()])
def test_agreement_turns_any_exception_into_its_error(exc):
    ag = Agreement(None, "step")
    assert ag.run(_raise, exc) is None
    with pytest.raises(HookError, match=f"step: {type(exc).__name__}"):
        ag.check()


def test_first_difference_names_label_rank_and_values():
    ref = [("mode", "GLOBAL"), ("number of inputs", 1)]
    assert first_difference([ref, ref, [("mode", "LOCAL")]]) == (
        "the ranks' arguments differ: mode: LOCAL on rank 2, GLOBAL on rank 0")
    assert first_difference([ref, ref[:1]]).endswith(
        "number of inputs: nothing on rank 1, 1 on rank 0")
