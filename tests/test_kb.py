"""The knowledge base: complete for every finding, and a broken file names the entry and field."""
from __future__ import annotations

import copy

import pytest
import yaml

from gaitscan.errors import KnowledgeError
from gaitscan.report.kb import default_kb_path, load_kb, parse_kb

EVIDENCE_GRADES = {  # EVIDENCE.md §3, verbatim
    "limited–moderate", "limited, inconsistent", "indirect, low for runners, plausible", "terminology",
    "none for CPD — cadence advice needs care", "not a gait-fault association", "none",
}


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(default_kb_path().read_text(encoding="utf-8"))


def test_every_finding_has_conditions_grades_exercises_and_references():
    kb = load_kb()
    assert set(kb.findings) >= {"pelvic_drop", "crossover", "trunk_lean", "low_cadence", "pelvic_drop_asymmetry"}
    for rule in kb.findings.values():
        assert rule.conditions and rule.exercises and rule.references, rule.id
        for cid in rule.conditions:
            assert kb.conditions[cid].grade.label in EVIDENCE_GRADES, cid
            assert kb.conditions[cid].references, cid
        for xid in rule.exercises:
            x = kb.exercises[xid]
            assert x.dosage and x.progression and x.references, xid
        assert rule.threshold.references and rule.threshold.source


def test_grades_match_evidence_table():
    kb = load_kb()
    assert kb.conditions["gluteal_tendinopathy"].grade.label == "indirect, low for runners, plausible"
    assert kb.conditions["trochanteric_bursitis"].grade.label == "terminology"
    assert kb.conditions["patellofemoral_pain"].grade.label == "limited–moderate"
    assert kb.conditions["itb_syndrome"].grade.label == "limited, inconsistent"
    assert kb.conditions["femoral_stress_fracture"].grade.label == "not a gait-fault association"
    # conditions video cannot see are reached only through symptoms
    unseen = {c.id for c in kb.conditions.values() if not c.seen_by_video}
    assert unseen == {"hip_flexor_tendinopathy", "femoral_stress_fracture", "fai_labral"}
    assert not unseen & {c for r in kb.findings.values() for c in r.conditions}
    assert unseen <= {c for p in kb.symptom_patterns.values() for c in p.conditions}


def test_no_pelvic_drop_cutoff_is_presented_as_validated_and_sdd_is_from_evidence():
    kb = load_kb()
    assert kb.findings["pelvic_drop"].threshold.heuristic is True
    assert kb.sdd["pelvic_drop_deg"].value == 2.8
    assert kb.sdd["foot_offset_hipw"].value is None


def _broken(raw, mutate):
    data = copy.deepcopy(raw)
    mutate(data)
    return data


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["findings"]["crossover"].pop("conditions"), "findings.crossover: field 'conditions' is missing"),
    (lambda d: d["findings"]["pelvic_drop"].__setitem__("treshold", 1), "findings.pelvic_drop: unknown field 'treshold'"),
    (lambda d: d["conditions"]["itb_syndrome"].__setitem__("grade", "strong"), "conditions.itb_syndrome.grade: 'strong' is not one of"),
    (lambda d: d["exercises"]["side_plank"]["references"].append("nobody2099"), "exercises.side_plank.references: reference 'nobody2099'"),
    (lambda d: d["findings"]["trunk_lean"]["exercises"].append("yoga"), "findings.trunk_lean.exercises: 'yoga' is not defined"),
    (lambda d: d["findings"]["low_cadence"]["threshold"].__setitem__("value", "fast"), "findings.low_cadence.threshold.value: expected a number"),
    (lambda d: d["findings"]["pelvic_drop"]["sentences"].__setitem__("ok", "drop {drop}"), "findings.pelvic_drop.sentences.ok: unknown placeholder {drop}"),
    (lambda d: d["red_flags"]["fever"].__setitem__("when_any", ["fevr"]), "red_flags.fever.when_any: symptom 'fevr' is not defined"),
    (lambda d: d["exercises"]["cadence_increase"].__setitem__("caution_if", ["pain_location:knee"]), "exercises.cadence_increase.caution_if: 'pain_location:knee'"),
    (lambda d: d.__setitem__("schema", "gaitscan.kb/0"), "schema is 'gaitscan.kb/0'"),
])
def test_broken_kb_names_entry_and_field(raw, mutate, expected):
    with pytest.raises(KnowledgeError) as err:
        parse_kb(_broken(raw, mutate), "my_kb.yaml")
    assert expected in str(err.value)
    assert str(err.value).startswith("my_kb.yaml: ")


def test_user_kb_file_is_loaded_and_bad_yaml_rejected(tmp_path, raw):
    edited = _broken(raw, lambda d: d["findings"]["pelvic_drop"]["threshold"].__setitem__("value", 6.5))
    path = tmp_path / "clinic.yaml"
    path.write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    assert load_kb(path).findings["pelvic_drop"].threshold.value == 6.5
    path.write_text("findings: [unclosed", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="clinic.yaml: knowledge-base file is not valid YAML"):
        load_kb(path)
    with pytest.raises(KnowledgeError, match="knowledge-base file not found"):
        load_kb(tmp_path / "missing.yaml")
