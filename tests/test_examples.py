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
