"""`gaitscan analyze` takes the report's options (--symptoms, --ask-symptoms, --kb, --runner, --pdf)."""
from __future__ import annotations

import json

from click.testing import CliRunner
from gait_builder import Gait, build

from gaitscan.cli import cli


def _npz(tmp_path):
    series, _ = build(Gait())
    series.save(tmp_path / "run.npz")
    return tmp_path / "run.npz"


def _said(result) -> str:
    """What the command said: its output, or the gaitscan error the top-level handler would print."""
    return result.output + str(result.exception or "")


def test_red_flag_symptoms_through_analyze_give_the_referral_banner(tmp_path):
    src = _npz(tmp_path)
    (tmp_path / "symptoms.json").write_text(json.dumps({"cannot_bear_weight": True}))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["analyze", str(src), "--out", str(out), "--symptoms",
                                      str(tmp_path / "symptoms.json"), "--runner", "Jo <b>"])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    assert 'id="red-flags"' in html and "See a doctor today. Do not run." in html
    assert 'id="referral"' in html and 'data-exercise=' not in html  # exercise advice replaced by referral
    assert "Jo &lt;b&gt;" in html


def test_without_symptoms_the_programme_is_shown(tmp_path):
    src = _npz(tmp_path)
    result = CliRunner().invoke(cli, ["analyze", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="red-flags"' not in html and 'id="referral"' not in html


def test_bad_report_options_fail_before_the_analysis(tmp_path):
    src = _npz(tmp_path)
    (tmp_path / "symptoms.json").write_text(json.dumps({"no_such_question": True}))
    runner = CliRunner()
    both = runner.invoke(cli, ["analyze", str(src), "--out", str(tmp_path / "a"), "--ask-symptoms",
                               "--symptoms", str(tmp_path / "symptoms.json")])
    assert both.exit_code != 0 and "either --symptoms FILE or --ask-symptoms" in _said(both)
    unknown = runner.invoke(cli, ["analyze", str(src), "--out", str(tmp_path / "b"), "--symptoms",
                                  str(tmp_path / "symptoms.json")])
    assert unknown.exit_code != 0 and "no_such_question" in _said(unknown)
    (tmp_path / "kb.yaml").write_text("findings: [")
    broken = runner.invoke(cli, ["analyze", str(src), "--out", str(tmp_path / "c"), "--kb", str(tmp_path / "kb.yaml")])
    assert broken.exit_code != 0
    assert not any((tmp_path / d / "analysis.json").exists() for d in "abc")
