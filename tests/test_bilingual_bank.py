"""A bank's texts in one language or several: reading, validating, and every output in the language chosen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from grader.bank.loading import load_bank, load_exercise
from grader.errors import SpecErrors

BILINGUAL = Path(__file__).parent / "fixtures" / "bilingual" / "exercises"  # each text in en and zh
QUIZ = (BILINGUAL / "pool" / "spec.yaml").read_text()


def bank(tmp_path: Path, quiz: str = QUIZ, settings: str | None = "languages: [en, zh]\n") -> Path:
    exercises = Path(shutil.copytree(BILINGUAL, tmp_path / "exercises"))
    (exercises / "pool" / "spec.yaml").write_text(quiz, encoding="utf-8")
    if settings is None:
        (exercises / "bank.yaml").unlink()
    else:
        (exercises / "bank.yaml").write_text(settings, encoding="utf-8")
    return exercises


def test_a_bilingual_spec_loads_in_the_language_asked(tmp_path):
    exercises = bank(tmp_path)
    zh = {e.id: e for e in load_bank(exercises, language="zh-CN")}
    en = {e.id: e for e in load_bank(exercises, language="en")}
    assert (zh["pool"].title, en["pool"].title) == ("池化", "Pooling")
    question = zh["pool"].questions[0]
    assert question.prompt.startswith("{{ n }}x{{ n }} 的输入") and question.hint == "窗口每次移动两格。"
    assert question.feedback[0].say == "池化使宽度减半。"
    assert zh["pool"].questions[1].option_map == {"a": "8", "b": "16", "c": "与池化窗口一样多"}
    assert en["pool"].questions[1].option_map["c"] == "as many as the kernel has"
    assert (zh["corr"].checks[1].title, en["corr"].checks[1].title) == ("输出的形状", "the output's shape")


def test_a_missing_language_falls_back_to_english_then_to_the_one_given(tmp_path):
    quiz = QUIZ.replace("title: {en: Pooling, zh: 池化}", "title: {en: Pooling}").replace(
        "hint: {en: The window moves two at a time., zh: 窗口每次移动两格。}", "hint: {zh: 窗口每次移动两格。}")
    exercises = bank(tmp_path, quiz, settings=None)  # a bank that declares no languages may mix
    pool = load_exercise(exercises / "pool", language="zh-CN")
    assert pool.title == "Pooling" and pool.questions[0].hint == "窗口每次移动两格。"
    assert load_exercise(exercises / "pool", language="en").questions[0].hint == "窗口每次移动两格。"


def test_a_declared_language_missing_is_named_with_file_field_line_and_language(tmp_path):
    quiz = QUIZ.replace("say: {en: Pooling halves the width., zh: 池化使宽度减半。}", "say: {en: Pooling halves the width.}")
    quiz = quiz.replace("hint: {en: The window moves two at a time., zh: 窗口每次移动两格。}", "hint: The window moves two.")
    exercises = bank(tmp_path, quiz)
    with pytest.raises(SpecErrors) as caught:
        load_bank(exercises)
    errors = {e.field: e for e in caught.value.errors}
    assert set(errors) == {"questions.0.feedback.0.say", "questions.0.hint"}, errors
    say = errors["questions.0.feedback.0.say"]
    assert say.path == exercises / "pool" / "spec.yaml" and say.line == 19
    assert "no zh text" in say.detail and "{en: ..., zh: ...}" in say.fix
    assert "one text for every language" in errors["questions.0.hint"].detail


def test_a_language_the_bank_does_not_declare_is_refused_and_numbers_need_none(tmp_path):
    exercises = bank(tmp_path, QUIZ.replace("zh: 池化}", "zh: 池化, fr: Mise en commun}"))
    with pytest.raises(SpecErrors) as caught:
        load_bank(exercises)
    [error] = caught.value.errors
    assert error.field == "title" and "a fr text" in error.detail
    # options "8" and "16" above were plain: a text with no letters reads the same in every language


def test_grader_validate_lists_each_missing_language(tmp_path):
    exercises = bank(tmp_path, QUIZ.replace("title: {en: Pooling, zh: 池化}", "title: {en: Pooling}"),
                     settings="languages: [en, zh]\n")
    result = subprocess.run([sys.executable, "-m", "grader.cli", "validate", "--bank", str(exercises)],
                            capture_output=True, text=True, cwd=REPO, timeout=120,
                            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "GRADER_LANG": "en"})
    assert result.returncode == 2, result.stdout + result.stderr
    output = " ".join((result.stdout + result.stderr).split())
    assert "pool/spec.yaml" in output and "title" in output and "no zh text" in output


def test_a_broken_bank_yaml_is_a_spec_error(tmp_path):
    exercises = bank(tmp_path, settings="languages: [en, zh]\nlanguage: zh\n")
    with pytest.raises(SpecErrors) as caught:
        load_bank(exercises)
    assert caught.value.errors[0].path == exercises / "bank.yaml"
    assert caught.value.errors[0].field == "language"


def test_the_bundled_bank_loads_whatever_it_declares():
    from grader.bank.resources import bundled

    assert load_bank(bundled("exercises"), names=False, language="zh-CN")


@pytest.mark.parametrize("lang, typed", [
    ("zh-CN", "Build a deep network by repeating a simple block: small 3x3 convolutions, then pooling."),
    ("en", "通过重复一个简单的块来构建深层网络：小的 3x3 卷积，再接池化。"),
    ("zh-CN", "通过重复一个简单的块来构建深层网络：小的 3x3 卷积，再接池化。"),
])
def test_an_options_text_is_read_in_any_of_the_banks_languages(tmp_path, lang, typed):
    """A class graded in one language reads students who answered in the other: the grade does not
    hang on the language grader speaks."""
    from classfolders import grader

    folder = tmp_path / "s1"
    folder.mkdir()
    (folder / "answers.yaml").write_text(f"vgg-design:\n  design: \"{typed}\"\n", encoding="utf-8")
    done = grader("--lang", lang, "check", folder, "-e", "vgg-design", "--json", tmp_path / "r.json")
    assert done.returncode in (0, 1), done.stderr
    tests = {t["name"]: t for t in json.loads((tmp_path / "r.json").read_text())["tests"]}
    assert tests["vgg-design/design"]["score"] == tests["vgg-design/design"]["max_score"], tests["vgg-design/design"]


# -- the known mistakes of mutants.yaml: one text or one per language, as a spec's texts -------------

FLIPPED = """\
flipped:
  mistake: {mistake}
  caught-by: [values]
  edits:
    - replace: Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
      with: Y[i, j] = (X[i:i + h, j:j + w] * K.flip(0, 1)).sum()
"""


def bank_with_mutant(tmp_path: Path, mistake: str, settings: str | None = "languages: [en, zh]\n") -> Path:
    """A copy of the bilingual bank (exercises/ and solutions/) whose code exercise has one mutant."""
    root = Path(shutil.copytree(BILINGUAL.parent, tmp_path / "bank"))
    if settings is None:
        (root / "exercises" / "bank.yaml").unlink()
    else:
        (root / "exercises" / "bank.yaml").write_text(settings, encoding="utf-8")
    (root / "solutions" / "corr" / "mutants.yaml").write_text(FLIPPED.format(mistake=mistake), encoding="utf-8")
    return root


def run_grader(*args, lang: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "LANG": lang}
    env.pop("GRADER_LANG", None)  # the locale decides, as it does for a user
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_selftest_says_a_bilingual_mistake_in_the_language_spoken(tmp_path):
    root = bank_with_mutant(tmp_path, "{en: The kernel is flipped., zh: 卷积核被翻转了：算成了卷积而不是互相关。}")
    zh = run_grader("selftest", "--bank", root, lang="zh_CN.UTF-8")
    assert zh.returncode == 0, zh.stdout[-3000:] + zh.stderr[-2000:]
    assert "变异体 flipped：卷积核被翻转了：算成了卷积而不是互相关。" in zh.stdout and "The kernel is flipped" not in zh.stdout
    en = run_grader("selftest", "--bank", root, lang="C.UTF-8")
    assert en.returncode == 0, en.stdout[-3000:] + en.stderr[-2000:]
    assert "mutant flipped: The kernel is flipped." in en.stdout and "卷积核" not in en.stdout


@pytest.mark.parametrize("mistake, problem", [
    ("{en: The kernel is flipped.}", "no zh text (the bank is written in en, zh)"),
    ("The kernel is flipped.", "one text for every language, but the bank is written in en, zh"),
    ("{en: The kernel is flipped., zh: 卷积核被翻转了。, fr: Le noyau est retourné.}", "a fr text, but the bank is written in en, zh only"),
])
def test_a_mistake_lacking_a_declared_language_is_an_author_error(tmp_path, mistake, problem):
    root = bank_with_mutant(tmp_path, mistake)
    done = run_grader("validate", "--bank", root, lang="C.UTF-8")
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert "corr/mutants.yaml:2" in said and "flipped.mistake" in said and problem in said, said
    assert "write it as {en: ..., zh: ...}" in said, said
    # selftest loads the same mutants, and refuses them alike, naming the file, mutant and language
    from grader.bank.loading import load_exercise
    from grader.proofs.mutants import load_mutants

    with pytest.raises(SpecErrors) as caught:
        load_mutants(root / "solutions", load_exercise(root / "exercises" / "corr"))
    [error] = caught.value.errors
    assert (error.path, error.line, error.field) == (root / "solutions" / "corr" / "mutants.yaml", 2, "flipped.mistake")
    assert problem in error.detail


def test_a_bank_that_declares_no_languages_may_give_a_mistake_in_one(tmp_path):
    from grader.bank.loading import load_exercise
    from grader.proofs.mutants import load_mutants

    root = bank_with_mutant(tmp_path, "The kernel is flipped.", settings=None)
    [mutant] = load_mutants(root / "solutions", load_exercise(root / "exercises" / "corr"))
    assert mutant.mistake == "The kernel is flipped." and mutant.said("zh-CN") == "The kernel is flipped."


def test_every_bundled_mistake_is_given_in_english_and_chinese():
    import yaml

    files = sorted((REPO / "solutions").rglob("mutants.yaml"))
    mistakes = {(path.relative_to(REPO).as_posix(), name): spec["mistake"]
                for path in files for name, spec in yaml.safe_load(path.read_text(encoding="utf-8")).items()}
    assert len(files) >= 19 and len(mistakes) >= 88, (len(files), len(mistakes))
    lacking = {where: mistake for where, mistake in mistakes.items()
               if not (isinstance(mistake, dict) and set(mistake) == {"en", "zh"}
                       and any("\u4e00" <= c <= "\u9fff" for c in mistake["zh"]) and mistake["zh"] != mistake["en"])}
    assert not lacking, lacking


def test_the_bundled_mutants_load_under_the_bank_s_declared_languages():
    from grader.bank.resources import bundled
    from grader.bank.settings import bank_settings
    from grader.bank.spec import CodeExercise
    from grader.proofs.mutants import load_mutants, own_editions

    exercises = bundled("exercises")
    assert bank_settings(exercises).languages == ["en", "zh"]
    solutions = REPO / "solutions"
    code = [e for e in load_bank(exercises, names=False) if isinstance(e, CodeExercise)]
    said = [m.said("zh-CN") for e in code for edition in ["", *own_editions(solutions, e)]
            for m in load_mutants(solutions, e, edition)]
    assert len(said) >= 88 and all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in said)
