"""Compare: changes judged against the SDD and the confidence intervals; bad inputs named."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gaitscan.errors import InputError
from gaitscan.report.analysis import load_analysis
from gaitscan.report.command import compare_command
from gaitscan.report.compare import IMPROVED, NA, SAME, WORSE, compare_sessions
from gaitscan.report.kb import load_kb

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture()
def before():
    data = json.loads((DATA / "analysis_rear_example.json").read_text())
    data["summary"]["left"]["pelvic_drop_deg"] = {"mean": 7.0, "sd": 0.5, "ci95": [6.7, 7.3], "n": 12}
    return data


def _after(before, drop_left, ci_half=0.3):
    after = copy.deepcopy(before)
    after["summary"]["left"]["pelvic_drop_deg"] = {"mean": drop_left, "sd": 0.5,
                                                   "ci95": [drop_left - ci_half, drop_left + ci_half], "n": 12}
    return after


def _verdict(changes, metric, side):
    return next(c for c in changes if c.metric == metric and c.side == side)


@pytest.mark.parametrize("drop_after, ci_half, expected", [
    (3.0, 0.3, IMPROVED),   # −4°: beyond the 2.8° SDD and the CIs
    (6.0, 0.3, SAME),       # −1°: below the SDD
    (3.0, 4.0, SAME),       # −4° but CIs too wide to tell
    (11.0, 0.3, WORSE),     # +4°
])
def test_left_stance_drop_change(kb, before, drop_after, ci_half, expected):
    c = _verdict(compare_sessions(before, _after(before, drop_after, ci_half), kb), "pelvic_drop_deg", "left")
    assert c.verdict == expected
    assert c.delta == pytest.approx(drop_after - 7.0)


def test_unchanged_metrics_and_nulls(kb, before):
    after = _after(before, 3.0)
    after["summary"]["right"]["trunk_lean_deg"] = {"mean": None, "sd": None, "ci95": None, "n": 3,
                                                   "reason": "not enough steps (3 < 7)"}
    changes = compare_sessions(before, after, kb)
    assert _verdict(changes, "pelvic_drop_deg", "right").verdict == SAME
    na = _verdict(changes, "trunk_lean_deg", "right")
    assert na.verdict == NA and "not enough steps (3 < 7)" in na.reason and na.delta is None
    # wider landing (foot offset up) is the better direction, judged on CIs alone (no SDD)
    after["summary"]["left"]["foot_offset_hipw"] = {"mean": 0.2, "sd": 0.05, "ci95": [0.17, 0.23], "n": 12}
    assert _verdict(compare_sessions(before, after, kb), "foot_offset_hipw", "left").verdict == IMPROVED


def test_compare_command_writes_html_and_table(tmp_path, before):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "analysis.json").write_text(json.dumps(before))
    (tmp_path / "b.json").write_text(json.dumps(_after(before, 3.0)))
    result = CliRunner().invoke(compare_command, [str(tmp_path / "a"), str(tmp_path / "b.json"),
                                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "improved" in result.output
    html = (tmp_path / "out" / "compare.html").read_text()
    row = html.split('data-metric="pelvic_drop_deg" data-side="left"')[1].split("</tr>")[0]
    assert "verdict-improved" in row and "-4.00°" in row
    assert "<script" not in html and "http" not in html.split("<body>")[1]


@pytest.mark.parametrize("content, expected", [
    (None, "file not found"),
    ("not json {", "not JSON"),
    ('{"schema": "gaitscan.analysis/1", "view": "rear"}', "'fps' must be a number"),
    ('[1, 2]', "expected a JSON object"),
])
def test_invalid_analysis_is_input_error_naming_file(tmp_path, content, expected):
    path = tmp_path / "analysis.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as err:
        load_analysis(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_folder_without_analysis_is_input_error(tmp_path):
    with pytest.raises(InputError, match="folder has no analysis.json"):
        load_analysis(tmp_path)
