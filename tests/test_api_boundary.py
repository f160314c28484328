"""Values at the Python API and the Mesa keyword path go through the same checks as the
files: one ParleyError line for what means nothing, no silent coercion (issue 24)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import parley
from parley.errors import ParleyError

BIDEN = "parley:biden"


@pytest.mark.parametrize("kwargs", [
    {"washington__relief_precondition": math.nan},  # was silently the lowest rung
    {"world__tension": math.nan}, {"world__tension": math.inf},
    {"world__tension": "0.5"}, {"washington__personal_diplomacy": 1},
    {"seed": -1}, {"seed": 1.5}, {"seed": True}, {"seed": 2**63},
])
def test_the_mesa_keyword_path_refuses_values_that_mean_nothing(kwargs):
    with pytest.raises(ParleyError) as err:
        parley.NegotiationModel(scenario=BIDEN, **kwargs)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_numpy_scalars_are_their_plain_values():
    a = parley.NegotiationModel(scenario=BIDEN, seed=np.int64(3),
                                world__tension=np.float64(0.5),
                                washington__relief_precondition=np.float64(0.25)).run()
    b = parley.NegotiationModel(scenario=BIDEN, seed=3, world__tension=0.5,
                                washington__relief_precondition="fissile_freeze").run()
    out_a, out_b = a.outcomes(), b.outcomes()
    assert out_a.keys() == out_b.keys()
    for key in out_a:
        np.testing.assert_array_equal(out_a[key], out_b[key], err_msg=key)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: parley.run(BIDEN, runs=40, seed=1.5), "--seed 1.5: must be a whole number"),
    (lambda: parley.run(BIDEN, runs=True), "--runs True: must be a whole number"),
    (lambda: parley.run(BIDEN, runs=40, parameter_draws=2.0), "--parameter-draws 2.0"),
    (lambda: parley.compare([], runs=40), "give one or more scenarios"),
    (lambda: parley.compare(BIDEN, runs=40), "give a list of scenarios, not one"),
    (lambda: parley.run(BIDEN, runs=40, precision=math.nan, parameter_draws=0),
     "--precision nan: must be a number"),
])
def test_the_api_refuses_arguments_of_the_wrong_kind_in_one_line(call, words, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParleyError, match=words.replace("[", r"\[")) as err:
        call()
    assert "\n" not in str(err.value)
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_numpy_run_count_works_and_its_manifest_is_json(tmp_path):
    res = parley.run(BIDEN, runs=np.int64(40), parameter_draws=np.int64(0), seed=np.int64(2),
                     executor="serial", out=tmp_path / "r")
    plain = parley.run(BIDEN, runs=40, parameter_draws=0, seed=2, executor="serial")
    assert (tmp_path / "r" / "manifest.json").is_file()
    assert res.runs.equals(plain.runs)
