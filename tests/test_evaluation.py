"""`quidprono eval`: scoring the detector on a labelled TSV, and the dev set meeting the targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.detect import Classification, DemandKind
from bot.evaluation import (
    EvalFileError,
    evaluate_file,
    evaluate_rows,
    format_platforms,
    hard_negatives,
    read_rows,
    score_by_platform,
)

DEV_SET = Path(__file__).parent / "data" / "demands-dev.tsv"
HEADER = "label\tsure\tsource\tid\ttext\n"


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "labels.tsv"
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_dev_set_meets_the_targets() -> None:
    report = evaluate_file(DEV_SET)

    assert report.scored == 475  # the sure rows, as the data README counts them
    assert report.rows == 506
    assert report.precision >= 0.97
    assert report.f1 >= 0.95
    assert report.kind_accuracy >= 0.90
    assert report.meets_targets
    assert "targets: met" in report.format()


def test_scores_count_only_sure_rows_and_demand_means_reciprocal_or_request(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "reciprocal\t1\ts\t1\tfollow me back",  # true positive, right kind
        "request\t1\ts\t2\tplease subscribe",  # true positive, wrong kind below
        "request\t1\ts\t3\tzzz",  # missed
        "discuss\t1\ts\t4\tI never follow back",  # true negative
        "other\t1\ts\t5\talarm",  # false alarm
        "request\t0\ts\t6\tzzz",  # unsure: not scored
    )
    answers = {
        "follow me back": DemandKind.RECIPROCAL, "please subscribe": DemandKind.RECIPROCAL, "alarm": DemandKind.REQUEST,
    }

    report = evaluate_rows(read_rows(path), lambda text: Classification(answers.get(text)), str(path))

    assert (report.tp, report.fp, report.fn, report.tn) == (2, 1, 1, 1)
    assert (report.rows, report.scored) == (6, 5)
    assert report.precision == pytest.approx(2 / 3)
    assert report.recall == pytest.approx(2 / 3)
    assert report.f1 == pytest.approx(2 / 3)
    assert report.kind_right == 1
    assert report.kind_accuracy == pytest.approx(1 / 2)
    assert not report.meets_targets
    assert report.confusion[("request", "reciprocal")] == 1
    assert [miss.row.id for miss in report.misses] == ["2", "3", "5"]


def test_format_prints_each_score_against_its_target(tmp_path: Path) -> None:
    path = _write(tmp_path, "request\t1\ts\t1\tfollow me", "other\t1\ts\t2\thello")

    text = evaluate_file(path).format(show_misses=True)

    assert "precision       1.000  (target >= 0.97: met)" in text
    assert "F1              1.000  (target >= 0.95: met)" in text
    assert "kind accuracy   1.000  (target >= 0.90: met)" in text
    assert "targets: met" in text


def test_format_lists_the_misses_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path, "request\t1\ts\t1\tzzz", "other\t1\ts\t2\tfollow me back")

    report = evaluate_file(path)

    assert not report.meets_targets
    assert "NOT MET" in report.format()
    assert "wrong on:" not in report.format()
    misses = report.format(show_misses=True)
    assert "line 2: request -> none: zzz" in misses
    assert "line 3: other -> reciprocal: follow me back" in misses


def test_no_demands_at_all_scores_zero_instead_of_failing(tmp_path: Path) -> None:
    report = evaluate_file(_write(tmp_path, "other\t1\ts\t1\thello"))

    assert (report.precision, report.recall, report.f1, report.kind_accuracy) == (0.0, 0.0, 0.0, 0.0)
    assert not report.meets_targets


def test_quotes_are_text_not_quoting(tmp_path: Path) -> None:
    path = _write(tmp_path, 'request\t1\ts\t1\t"follow me" she said, "back"')

    assert [row.text for row in read_rows(path)] == ['"follow me" she said, "back"']


@pytest.mark.parametrize(("content", "problem"), [
    ("label\tsure\ttext\n", "line 1: expected the header"),
    (HEADER + "request\t1\ts\t1\n", "line 2: expected 5 tab-separated columns, got 4"),
    (HEADER + "spam\t1\ts\t1\thi\n", "line 2: unknown label 'spam'"),
    (HEADER + "request\tyes\ts\t1\thi\n", "line 2: sure must be 0 or 1, not 'yes'"),
    ("", "line 1: expected the header"),
])
def test_a_malformed_file_is_reported_with_its_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(EvalFileError, match=problem):
        evaluate_file(path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes((HEADER + "request\t1\ts\t1\tsígueme\n").encode("latin-1"))

    with pytest.raises(EvalFileError, match="not UTF-8"):
        evaluate_file(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="cannot read"):
        evaluate_file(tmp_path / "absent.tsv")


def test_by_platform_scores_each_platform_and_the_hard_negatives(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("label\tsure\tplatform\tsource\tid\ttext\n"
                    "request\t1\ttwitter\ts\t1\tfollow me please\n"
                    "discuss\t1\ttwitter\ts\t2\twhy did he unfollow me\n"
                    "other\t1\tirc\ts\t3\tfollow the instructions on the wiki\n"
                    "other\t1\tirc\ts\t4\thello there\n", encoding="utf-8")
    rows = list(read_rows(path))
    scores = score_by_platform(rows, lambda text: text.startswith("follow"))
    assert (scores["twitter"].tp, scores["twitter"].fp, scores["irc"].fp) == (1, 0, 1)
    assert scores["irc"].precision == 0.0 and scores["irc"].recall is None
    assert hard_negatives(rows, lambda text: text.startswith("follow")) == (2, 1, 1)
    table, met = format_platforms(rows, lambda text: text == "follow me please")
    assert met and "irc" in table and "1 discuss following" in table
