"""`make train`: the confidence model is rebuilt from the repository's data, byte for byte."""

from __future__ import annotations

import pytest

from bot.core._detect_confidence import MODEL_FILE, Model, model
from bot.training import Example, fit, main, train


def test_training_twice_gives_the_same_bytes_and_the_file_in_the_repository() -> None:
    first, comparison, wins = train()
    second, _, _ = train()

    assert first == second
    assert first == MODEL_FILE.read_text(encoding="utf-8"), "detect_model.json is out of date: run make train"
    assert "platform left out" in comparison and wins


def test_check_writes_nothing_and_says_whether_the_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    written: list[str] = []
    assert main(["--check"], write=written.append) == 0
    assert not written and "up to date" in capsys.readouterr().out


def test_the_model_learns_which_signal_marks_a_false_alarm() -> None:
    rows = [Example("a", ("kind:request", "ev:me"), True, 0.95, 0.95)] * 20 + \
        [Example("a", ("kind:request", "ev:sub"), False, 0.95, 0.95)] * 5
    learnt = fit(rows)
    assert learnt.probability(("kind:request", "ev:me")) > 0.5 > learnt.probability(("kind:request", "ev:sub"))
    assert Model.loads(learnt.dumps({})).weights.keys() == learnt.weights.keys()


def test_the_shipped_model_loads_and_explains_its_weights() -> None:
    weighed = model().weighed(("kind:request", "ev:me", "unknown"))
    assert [name for name, _ in weighed] == ["ev:me", "kind:request"]
