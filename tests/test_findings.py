"""Findings from a hand-written analysis.json: sides named right, evidence linked, nulls unknown."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from gaitscan.errors import KnowledgeError
from gaitscan.report.findings import Measure, assess, evaluate_findings, level_for
from gaitscan.report.kb import load_kb
from gaitscan.report.symptoms import load_symptoms, parse_symptoms

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture()
def analysis():
    return json.loads((DATA / "analysis_rear_example.json").read_text())


def by_id(findings):
    return {f.id: f for f in findings}


def test_right_stance_drop_names_the_dropping_hip_and_links_gluteal_tendinopathy(kb, analysis):
    f = by_id(evaluate_findings(analysis, kb))
    right = f["pelvic_drop.right"]
    assert right.level == "flag" and right.side == "right"
    assert right.sentence.startswith("While standing on your right leg, your left hip drops 7.3°")
    assert "12 steps" in right.sentence and "6.6 to 7.9" in right.sentence
    gt = {c.id: c for c in right.conditions}["gluteal_tendinopathy"]
    assert gt.grade == "indirect, low for runners, plausible"
    assert any(r.key == "grimaldi2015" for r in gt.references)
    assert {a.id for a in right.exercises} >= {"side_lying_abduction", "side_plank", "cadence_increase"}
    assert f["pelvic_drop.left"].level == "ok" and not f["pelvic_drop.left"].exercises


def test_crossover_on_left_stance_only(kb, analysis):
    f = by_id(evaluate_findings(analysis, kb))
    assert f["crossover.left"].level == "flag"
    assert "100% of steps" in f["crossover.left"].sentence
    assert f["crossover.right"].level == "ok"
    assert f["pelvic_drop_asymmetry"].level == "flag" and f["pelvic_drop_asymmetry"].side == "right"


@pytest.mark.parametrize("direction, mean, lo, hi, expected", [
    ("above", 7.0, 6.0, 8.0, "flag"),
    ("above", 5.5, 4.0, 7.0, "watch"),
    ("above", 4.0, 3.0, 6.0, "ok"),
    ("below", -0.1, -0.2, -0.05, "flag"),
    ("below", -0.02, -0.1, 0.06, "watch"),
    ("below", 0.2, 0.1, 0.3, "ok"),
    ("abs_above", -7.0, -8.0, -6.0, "flag"),
    ("abs_above", -6.0, -12.0, 1.0, "watch"),
])
def test_level_uses_the_confidence_interval(direction, mean, lo, hi, expected):
    threshold = 0.0 if direction == "below" else 5.0
    assert level_for(direction, threshold, Measure(mean, lo, hi, 12)) == expected


def test_watch_when_ci_spans_threshold(kb, analysis):
    analysis["summary"]["right"]["pelvic_drop_deg"].update(mean=5.6, ci95=[4.1, 7.1])
    f = by_id(evaluate_findings(analysis, kb))["pelvic_drop.right"]
    assert f.level == "watch" and "range still reaches below" in f.sentence


def test_null_metrics_are_unknown_with_the_reason_not_a_number(kb, analysis):
    analysis["summary"]["left"]["pelvic_drop_deg"] = {"mean": None, "sd": None, "ci95": None, "n": 4,
                                                      "reason": "not enough steps (4 < 7)"}
    analysis["cadence_spm"] = None
    analysis["cadence_ci95"] = None
    analysis["not_measurable"] = {"cadence_spm": "fewer than 4 contacts found"}
    del analysis["summary"]["right"]["trunk_lean_deg"]
    f = by_id(evaluate_findings(analysis, kb))
    left = f["pelvic_drop.left"]
    assert left.level == "unknown" and left.measure is None
    assert "not enough steps (4 < 7)" in left.sentence and "°" not in left.sentence
    assert f["low_cadence"].level == "unknown" and "fewer than 4 contacts" in f["low_cadence"].sentence
    assert f["trunk_lean.right"].level == "unknown" and "not in this analysis" in f["trunk_lean.right"].sentence
    assert f["pelvic_drop_asymmetry"].level == "unknown"
    assert not any(ch.isdigit() for ch in f["low_cadence"].sentence.split("—")[0])


def test_side_view_cannot_judge_pelvic_drop(kb, analysis):
    analysis["view"] = "side"
    f = by_id(evaluate_findings(analysis, kb))
    assert f["pelvic_drop.right"].level == "unknown"
    assert "needs a rear or front view" in f["pelvic_drop.right"].sentence


def test_red_flag_replaces_exercises_with_referral(kb, analysis):
    symptoms = load_symptoms(DATA / "symptoms_stress_fracture.yaml", kb)
    result = assess(analysis, kb, symptoms)
    assert [rf.id for rf in result.red_flags] == ["stress_fracture"]
    assert result.programme == ()
    right = by_id(result.findings)["pelvic_drop.right"]
    assert right.exercises == () and "Stop running" in right.referral
    # without the red flag the same finding carries exercises
    clean = by_id(assess(analysis, kb, {}).findings)["pelvic_drop.right"]
    assert clean.exercises and clean.referral is None


def test_outer_hip_symptoms_add_leap_and_front_hip_pain_cautions_cadence(kb, analysis):
    result = assess(analysis, kb, load_symptoms(DATA / "symptoms_outer_hip.yaml", kb))
    assert not result.red_flags
    assert "leap_education" in [a.id for a in result.programme]
    assert result.symptom_notes[0].conditions[0].id == "gluteal_tendinopathy"
    cadence = {a.id: a for a in result.programme}["cadence_increase"]
    assert cadence.caution is None
    groin = assess(analysis, kb, {"pain_location": ("front_hip_groin",)})
    cadence = {a.id: a for a in groin.programme}["cadence_increase"]
    assert "hip flexors" in cadence.caution and any(r.key == "lenhart2014" for r in cadence.references)


def test_unknown_symptom_field_is_named(kb):
    with pytest.raises(KnowledgeError, match="symptoms_typo.json: unknown symptom field 'worse_lying_on_sidee'"):
        load_symptoms(DATA / "symptoms_typo.json", kb)
    with pytest.raises(KnowledgeError, match="'pain_location': unknown choice 'knee'"):
        parse_symptoms({"pain_location": ["knee"]}, kb)
    with pytest.raises(KnowledgeError, match="'fever_chills': expected true or false"):
        parse_symptoms({"fever_chills": "maybe"}, kb)


def test_findings_tolerate_extra_keys(kb, analysis):
    extra = copy.deepcopy(analysis)
    extra["future_key"] = {"x": 1}
    extra["summary"]["right"]["pelvic_drop_deg"]["median"] = 7.0
    assert [f.level for f in evaluate_findings(extra, kb)] == [f.level for f in evaluate_findings(analysis, kb)]
