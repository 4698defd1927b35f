"""`grader init-bank DIR` writes a bank that works as written: validate and selftest pass."""

import os
import subprocess
import sys

from conftest import REPO


def grader(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_the_new_bank_validates_and_passes_selftest(tmp_path):
    bank = tmp_path / "my-course"
    made = grader("init-bank", bank)
    assert made.returncode == 0, made.stderr
    assert (bank / "exercises" / "moving-average" / "spec.yaml").is_file()
    assert (bank / "solutions" / "moving-average" / "mutants.yaml").is_file()
    valid = grader("validate", "--bank", bank)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "2 exercises, 2 questions" in valid.stdout and " 0 verify expressions" not in valid.stdout
    proven = grader("selftest", "--bank", bank)
    assert proven.returncode == 0, proven.stdout[-3000:] + proven.stderr[-2000:]
    assert "mutation score: 100% of 2 mutants caught" in proven.stdout


def test_its_when_params_rule_names_the_mistake_only_where_it_is_one(tmp_path):
    from grader.bank.loading import load_exercise
    from grader.bank.scaffold import init_bank
    from grader.bank.variants import draw
    from grader.grading import grade_quiz

    init_bank(tmp_path / "b")
    exercise = load_exercise(tmp_path / "b" / "exercises" / "conv-output")
    told = {}
    for n in range(200):
        student = f"s{n}"
        v = draw(exercise, student)
        result = grade_quiz(exercise, {"width": v["n"] - v["k"] + 1}, student)
        told.setdefault(v["p"], set()).add(result.items[0].hint)
        if len(told) == 3:
            break
    assert told[0] == {""}, "with p = 0 the unpadded width is the right answer: no mistake to name"
    assert all("padding= pads each side" in h for p in (1, 2) for h in told[p])


def test_it_never_writes_over_files(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    result = grader("init-bank", tmp_path / "mine")
    assert result.returncode == 2 and "is not empty; give a new folder" in " ".join(result.stderr.split())
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_its_texts_are_given_in_english_and_chinese_as_its_bank_yaml_declares(tmp_path):
    from grader.bank.loading import load_bank, load_exercise
    from grader.bank.scaffold import init_bank
    from grader.bank.settings import bank_settings
    from grader.proofs.mutants import load_mutants

    init_bank(tmp_path / "b")
    exercises, solutions = tmp_path / "b" / "exercises", tmp_path / "b" / "solutions"
    assert bank_settings(exercises).languages == ["en", "zh"]  # as the bundled bank declares it
    zh = {e.id: e for e in load_bank(exercises, language="zh-CN")}  # would raise on a text lacking zh
    assert zh["conv-output"].title == "卷积的输出大小" and zh["moving-average"].checks[1].title.startswith("moving_average 的输出")
    mutants = load_mutants(solutions, load_exercise(exercises / "moving-average"))
    assert {m.name: m.said("zh-CN") for m in mutants} == {"sum_not_mean": "算的是窗口之和，不是平均。",
                                                           "one_short": "输出少了一个值。"}
    assert {m.said("en") for m in mutants} == {"The window's sum, not its mean.", "The output is one value short."}
