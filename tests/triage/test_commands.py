"""``hotline triage classify | evaluate | train``."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args, stdin: str = "", monkeypatch=None) -> str:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("triage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_classify_writes_one_json_line_per_request(city, model_in_use, monkeypatch):
    lines = "\n".join(
        [
            json.dumps(
                {"text": "小区门口的下水道堵了好几天，污水都漫到路上了"}, ensure_ascii=False
            ),
            json.dumps({"text": "门口垃圾没人清运", "address": "西城2路18号"}, ensure_ascii=False),
        ]
    )
    first, second = [
        json.loads(line)
        for line in run("classify", stdin=lines, monkeypatch=monkeypatch).splitlines()
    ]
    assert {"type", "category", "urgency", "unit", "confidence", "top3"} <= set(first)
    assert (first["category"], first["unit"]) == ("03.04", "水务局")
    assert first["top3"][0] == "03.04" and len(first["top3"]) == 3
    assert second["unit"] == city.streets[3].name


def test_classify_answers_a_bad_line_with_an_error_and_goes_on(city, model_in_use, monkeypatch):
    out = run(
        "classify", stdin='not json\n{"text": ""}\n{"text": "路灯不亮"}\n', monkeypatch=monkeypatch
    ).splitlines()
    assert "error" in json.loads(out[0]) and "line 2" in json.loads(out[1])["error"]
    assert json.loads(out[2])["category"] == "03.03"


def test_evaluate_prints_accuracy_top3_and_macro_f1_overall_and_per_category(
    model_in_use, tmp_path
):
    path = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "下水道堵了污水冒出来", "category": "03.04", "type": "help"},
        {"text": "路灯晚上不亮", "category": "03.03", "type": "help"},
        {"text": "请问公租房怎么申请", "category": "05.05", "type": "consultation"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = run("evaluate", str(path))
    for figure in (
        "accuracy",
        "top-3 accuracy",
        "macro-F1",
        "03.04 下水道堵塞",
        "type: 3 examples",
    ):
        assert figure in out


def test_evaluate_refuses_lines_without_a_category(model_in_use, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "路灯不亮"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="text and category"):
        run("evaluate", str(path))


def test_training_from_an_empty_history_is_refused_with_a_clear_message(model_in_use):
    with pytest.raises(CommandError, match="no settled orders"):
        run("train")


def test_on_a_fresh_install_the_unit_is_the_one_the_taxonomy_names(model_in_use, monkeypatch):
    line = json.dumps({"text": "小区门口的下水道堵了好几天，污水都漫到路上了"}, ensure_ascii=False)
    [answer] = [
        json.loads(x) for x in run("classify", stdin=line, monkeypatch=monkeypatch).splitlines()
    ]
    assert (answer["category"], answer["unit"]) == ("03.04", "水务局")
