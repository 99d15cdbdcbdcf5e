"""book/examples.py: the scripts of examples/ run, print what the pages promise, and a
raising or unknown script is an error (the build turns it into a failure)."""

import re

import pytest

from book import examples


def test_state_dict_to_numpy_agrees_with_torch_nn():
    out = examples.run("state_dict_to_numpy")
    assert "weight_hr_l1_reverse   (2, 4)" in out
    assert "output (3, 5, 4)  h_n (4, 3, 2)  c_n (4, 3, 4)" in out
    assert "(length 2), last step: [0. 0. 0. 0.]" in out  # padding after the end is zero
    errors = [float(e) for e in re.findall(r"max \|numpy - torch\| \w+ += (\S+)", out)]
    assert len(errors) == 3 and max(errors) <= 2e-5


def test_porting_cs231n_meets_the_notebook_and_measures_the_mistakes():
    """What the porting page says of the output: the converter meets CS231n's printed values, the
    raw arrays fail with the converters named, and the two usual mistakes are visibly wrong."""
    out = examples.run("porting_cs231n")
    assert "look transposed" in out and "lstm_from_cs231n" in out.splitlines()[0]
    errors = {label.strip(): float(e) for label, e in re.findall(r"^(.+?) max \|next_h - expected\| = (\S+)$", out, re.M)}
    assert list(errors) == ["lstm_from_cs231n", "transposed, o and g not swapped", "b passed as both biases"]
    assert errors["lstm_from_cs231n"] <= 1e-8  # the notebook prints 8 decimals
    assert errors["transposed, o and g not swapped"] > 1e-2 and errors["b passed as both biases"] > 1e-2


def test_markdown_includes_the_file_that_ran():
    text = examples.markdown("state_dict_to_numpy", "ran")
    assert '--8<-- "examples/state_dict_to_numpy.py"' in text and "c_n (4, 3, 4)" in text


def test_unknown_and_raising_examples(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"unknown example 'nope'; examples/ has: .*state_dict_to_numpy"):
        examples.run("nope")
    (tmp_path / "broken.py").write_text("from lstm_numpy import lstm_layers\nlstm_layers(None, {})\n")
    monkeypatch.setattr(examples, "EXAMPLES", tmp_path)
    with pytest.raises(RuntimeError, match=r"example broken raised TypeError: x must be a numpy.ndarray"):
        examples.run("broken")
