"""grader in Chinese and in English, through the real command: under LANG=zh_CN.UTF-8 every line a
student or instructor reads is Chinese (the bank's own names aside), under LANG=C it is English,
and `--lang` and GRADER_LANG choose over the locale."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO
from grader.i18n import choose, normalize

BILINGUAL = Path(__file__).parent / "fixtures" / "bilingual"  # a quiz and a code exercise, each text in en and zh
REFERENCE = (BILINGUAL / "solutions" / "corr" / "corr.py").read_text()
WRONG = REFERENCE.replace("* K).sum()", "* K).sum() + 1").replace("X.shape[1] - w + 1", "X.shape[1] - w")


@pytest.fixture
def bank(tmp_path) -> Path:
    return Path(shutil.copytree(BILINGUAL, tmp_path / "bank"))


def student(folder: Path, name: str = "s1") -> Path:
    folder.mkdir(parents=True)
    (folder / "answers.yaml").write_text("pool:\n  size: 8\n")  # the feedback rule's mistake; channels unanswered
    (folder / "corr.py").write_text(WRONG)
    (folder / "student.yaml").write_text(f"id: {name}\n")
    return folder


ZH, EN = {"LANG": "zh_CN.UTF-8"}, {"LANG": "C"}


def grader(*args, env: dict, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=cwd, timeout=300, env={**clean, "COLUMNS": "250", "NO_COLOR": "1", **env})


# What may stay English in a Chinese line: the bank's names, paths, commands, code and units.
NAMES = {"pool", "size", "channels", "corr", "values", "corr2d", "grader", "MaxPool2d", "Ctrl", "poll", "In", "UTC", "check",
         "quiz", "shape"}


def english(text: str, *paths: Path) -> list[str]:
    """The English words left in `text` once names, paths, code and commands are taken out."""
    for path in paths:
        text = text.replace(str(path), " ")
    text = re.sub(r"<code>.*?</code>", " ", text)  # commands and code, as written
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags: markup, not words
    text = re.sub(r"`[^`]*`|\[/?[a-z]+\]|\S*[/.]\S*|--?[a-z-]+|0x[0-9a-f]+|%\(\w+\)s", " ", text)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
    return [word for word in words if len(re.findall("[A-Za-z]", word)) > 1 and word not in NAMES]


def lines_of(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def test_the_language_is_chosen_by_option_then_grader_lang_then_the_locale():
    assert choose("zh", {"LANG": "C"}) == "zh-CN" and choose("en", {"GRADER_LANG": "zh-CN"}) == "en"
    assert choose(None, {"GRADER_LANG": "zh_CN", "LANG": "C"}) == "zh-CN"
    assert choose(None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh-CN"
    assert choose(None, {"LC_ALL": "", "LC_MESSAGES": "C", "LANG": "zh_CN.UTF-8"}) == "en"  # the first set decides
    assert choose(None, {"LANG": "fr_FR.UTF-8"}) == "en" and choose(None, {}) == "en"
    assert choose("klingon", {"GRADER_LANG": "fr", "LANG": "zh_TW.UTF-8"}) == "zh-CN"
    assert [normalize(t) for t in ("zh-cn", "zh_CN.UTF-8", "ZH", "en_GB", "C", "POSIX", "de")] == \
           ["zh-CN", "zh-CN", "zh-CN", "en", "en", "en", None]


def test_speaking_a_language_for_a_while_restores_the_one_before(monkeypatch):
    from grader.i18n import _, language, set_language, speaking

    monkeypatch.delenv("GRADER_LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    set_language("en")
    os.environ.pop("GRADER_LANG")
    with speaking("zh-CN"):
        assert language() == "zh-CN" and os.environ["GRADER_LANG"] == "zh-CN" and _("invalid syntax") == "语法无效"
    assert language() == "en" and "GRADER_LANG" not in os.environ and os.environ["LANGUAGE"] == "en"


def test_check_speaks_chinese_under_a_chinese_locale_and_english_under_c(bank, tmp_path):
    sub = student(tmp_path / "s1")
    zh = grader("check", sub, "--bank", bank, "--html", tmp_path / "zh.html", "--md", tmp_path / "zh.md",
                "--json", tmp_path / "zh.json", env=ZH)
    assert zh.returncode == 1, zh.stdout + zh.stderr
    shown = lines_of(zh)
    assert not [line for line in shown if english(line, sub, tmp_path)], "\n".join(shown)
    text = zh.stdout
    assert "池化使宽度减半" in text and "你的答案：8" in text and "互相关" in text and "总分" in text
    assert "让卷积核在输入上滑动" in text and "输出 的形状是" in text and "输出应为 2x2" in text  # bank text, ours
    page = (tmp_path / "zh.html").read_text()
    assert '<html lang="zh-CN">' in page and "评分报告" in page
    assert not english(re.sub(r"<style>.*?</style>", " ", page, flags=re.S), sub, tmp_path)
    assert "提示" in (tmp_path / "zh.md").read_text() and "提示" in (tmp_path / "zh.json").read_text()

    en = grader("check", sub, "--bank", bank, "--html", tmp_path / "en.html", env=EN)
    assert en.returncode == 1
    assert "Pooling halves the width." in en.stdout and "(you wrote 8)" in en.stdout and "Total 0/" in en.stdout
    assert "slide the kernel over the input" in en.stdout
    assert not re.search(r"[\u4e00-\u9fff]", en.stdout + en.stderr)
    assert '<html lang="en">' in (tmp_path / "en.html").read_text()


def test_python_s_words_for_a_syntax_error_are_said_in_the_language_spoken(bank, tmp_path):
    """Python's reason for a file and an answer that do not parse is quoted in the report: in Chinese
    under a Chinese locale, as Python wrote it under C; the line stays where it was."""
    sub = student(tmp_path / "s1")
    (sub / "corr.py").write_text("import torch\n\ndef corr2d(X, K):\n    return (X\n")
    (sub / "answers.yaml").write_text("pool:\n  size: 8 +* 2\n")
    zh = grader("check", sub, "--bank", bank, env=ZH)
    shown = lines_of(zh)
    assert zh.returncode == 1 and not [line for line in shown if english(line, sub, tmp_path)], "\n".join(shown)
    assert "corr.py 第 4 行有语法错误：'(' 没有闭合" in zh.stdout and "语法无效，位置 4" in zh.stdout, zh.stdout
    en = grader("check", sub, "--bank", bank, env=EN)
    assert "corr.py has a syntax error at line 4: '(' was never closed\n" in en.stdout, en.stdout
    assert "(invalid syntax at position 4)" in en.stdout and not re.search(r"[\u4e00-\u9fff]", en.stdout)


def test_lang_and_grader_lang_choose_over_the_locale(bank, tmp_path):
    sub = student(tmp_path / "s1")
    assert "总分" in grader("--lang", "zh-CN", "check", sub, "--bank", bank, "-e", "pool", env=EN).stdout
    assert "Total" in grader("--lang", "en", "check", sub, "--bank", bank, "-e", "pool", env=ZH).stdout
    assert "总分" in grader("check", sub, "--bank", bank, "-e", "pool", env={**EN, "GRADER_LANG": "zh-CN"}).stdout
    wrong = grader("--lang", "fr", "check", sub, "--bank", bank, env=EN)
    assert wrong.returncode == 2 and "'fr' is no language grader speaks" in wrong.stderr


def test_quiz_in_the_terminal_speaks_chinese(bank, tmp_path):
    result = grader("quiz", "pool", "--bank", bank, "--student", "s1", stdin="8\n4\nb\n", env=ZH)
    shown = lines_of(result)
    assert result.returncode == 0, "\n".join(shown)  # right on the second try
    assert not [line for line in shown if english(line, bank)], "\n".join(shown)
    assert "输出有多宽" in result.stdout and "池化使宽度减半" in result.stdout and "得分" in result.stdout


def test_handout_and_its_sheet_speak_chinese(bank, tmp_path):
    out = tmp_path / "handout"
    result = grader("handout", "--out", out, "--bank", bank, "--student", "s1", env=ZH)
    assert result.returncode == 0, result.stderr
    assert not [line for line in lines_of(result) if english(line, out)], result.stdout
    readme, sheet = (out / "README.md").read_text(), (out / "sheet.html").read_text()
    assert "你的步骤" in readme and "s1 的讲义" in readme
    assert '<html lang="zh-CN">' in sheet and "测验题单" in sheet and "输出有多宽" in sheet
    assert "互相关" in (out / "submission" / "corr.py").read_text()  # the starter's docstring, in Chinese
    assert "池化" in (out / "submission" / "answers.yaml").read_text()
    shipped = (out / "bank" / "exercises" / "pool" / "spec.yaml").read_text()
    assert "池化不改变通道数" in shipped and "Pooling keeps" in shipped  # both languages ship; each student reads theirs
    english_run = grader("quiz", "pool", "--bank", out / "bank", "--show", env=EN)
    assert "How wide" in english_run.stdout, english_run.stdout + english_run.stderr


def test_grade_and_report_speak_chinese(bank, tmp_path):
    classroom = tmp_path / "class"
    student(classroom / "s1", "s1")
    student(classroom / "s2", "s2")
    book, page = tmp_path / "book.sqlite", tmp_path / "class.html"
    graded = grader("grade", classroom, "--bank", bank, "--gradebook", book, env=ZH)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert not [line for line in lines_of(graded) if english(line, book, classroom)], graded.stdout
    assert "已评分 2 份" in graded.stdout
    report = grader("report", "--gradebook", book, "--html", page, env=ZH)
    assert report.returncode == 0 and not english(report.stdout, page, book), report.stdout
    html = page.read_text()
    assert '<html lang="zh-CN">' in html and "班级报告" in html and "池化使宽度减半" in html
    assert not english(re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", html, flags=re.S), classroom, book)


def test_watch_speaks_chinese_and_stops_in_chinese(bank, tmp_path):
    sub = student(tmp_path / "s1")
    clean = {k: v for k, v in os.environ.items() if k not in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    process = subprocess.Popen([sys.executable, "-m", "grader.cli", "watch", str(sub), "--bank", str(bank), "--poll",
                                "-e", "pool"], cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**clean, "COLUMNS": "250", "NO_COLOR": "1", **ZH})
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("共 "):
                done.set()
                return

    threading.Thread(target=read, daemon=True).start()
    try:
        assert done.wait(120), seen
        process.send_signal(signal.SIGINT)
        rest, _errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    shown = [line for line in seen + rest.splitlines() if line.strip()]
    assert not [line for line in shown if english(line, sub, bank)], "".join(shown)
    assert "正在监视" in shown[0] and "已停止监视" in rest and "你的答案：8" in "".join(shown)


def test_a_cluster_worker_of_another_locale_grades_in_the_client_s_language(bank, tmp_path):
    """A Dask worker whose own environment says English (LANG=C, GRADER_LANG=en) grades the tasks of a
    client that chose Chinese in Chinese: the language travels with the plugin and with each task."""
    pytest.importorskip("distributed", reason="grader[cluster] is not installed")
    from distributed import LocalCluster

    classroom, book = tmp_path / "class", tmp_path / "book.sqlite"
    (student(classroom / "s1", "s1") / "corr.py").write_text("def corr2d(X, K):\n    return (X\n")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      env={"LANG": "C", "LC_ALL": "C", "GRADER_LANG": "en"}) as cluster:
        graded = grader("grade", classroom, "--bank", bank, "--gradebook", book, "--scheduler", cluster.scheduler_address,
                        env=ZH)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert not [line for line in lines_of(graded) if english(line, book, classroom)], graded.stdout + graded.stderr
    db = sqlite3.connect(book)
    said = "\n".join(row[0] for row in db.execute("SELECT problems FROM submissions UNION ALL "
                                                  "SELECT message FROM exercise_results"))
    assert "answers.yaml 中没有这些题的答案：channels" in said, said  # the worker's grading process spoke Chinese
    assert "corr.py 第 2 行有语法错误：'(' 没有闭合" in said, said  # and its sandbox's words were said in Chinese


MAGIC = """
import sys
from grader.notebook.magic import check_cells, run_magic
print(run_magic("quiz pool --bank {bank}").text)
print(run_magic("quiz pool channels b --bank {bank}").text)
print(run_magic("quiz pool size 3 --bank {bank}").text)
print(run_magic("nonsense").text)
print(check_cells("corr", bank="{bank}", cells=[(1, {code!r})]).text)
"""


def test_the_jupyter_magic_speaks_chinese(bank, tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    script = MAGIC.format(bank=bank / "exercises", code=WRONG)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                            env={**clean, **ZH})
    assert result.returncode == 0, result.stderr
    shown = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(("|---", "| |"))]
    assert not [line for line in shown if english(line, bank, tmp_path)], result.stdout
    assert "输出有多宽" in result.stdout and "正确" in result.stdout and "用法" in result.stdout
    assert "这个笔记本" in result.stdout and "输出应为 2x2" in result.stdout


def test_quiz_exports_speak_the_language_chosen(bank, tmp_path):
    moodle, qti = tmp_path / "quiz.xml", tmp_path / "quiz.zip"
    result = grader("export-quiz", "--bank", bank, "-n", "1", "--moodle", moodle, "--qti", qti, env=ZH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in lines_of(result) if english(line, moodle, qti)], result.stdout + result.stderr
    xml = moodle.read_text()
    assert "输出有多宽" in xml and "池化使宽度减半" in xml and "与池化窗口一样多" in xml and "Pooling" not in xml
    import zipfile

    package = "".join(zipfile.ZipFile(qti).read(name).decode() for name in zipfile.ZipFile(qti).namelist())
    assert "输出有多宽" in package and "池化" in package
    english_xml = tmp_path / "en.xml"
    assert grader("export-quiz", "--bank", bank, "-n", "1", "--moodle", english_xml, env=EN).returncode == 0
    assert "How wide is the output" in english_xml.read_text()


def test_an_unreadable_answers_file_is_known_by_a_flag_not_by_its_words(tmp_path):
    """grader watch keeps the last quiz results while answers.yaml cannot be read; an unknown exercise
    id is no such case, in Chinese as in English (the problems' words never decide it)."""
    from grader.i18n import CHINESE, ENGLISH, set_language
    from grader.submissions.reading import read_submission

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "answers.yaml").write_text("pool:\n  size: [8\n")
    (tmp_path / "unknown").mkdir()
    (tmp_path / "unknown" / "answers.yaml").write_text("pooling:\n  size: 8\n")
    for language in (ENGLISH, CHINESE):
        set_language(language)
        try:
            broken, unknown = read_submission(tmp_path / "broken", {}), read_submission(tmp_path / "unknown", {})
        finally:
            set_language(ENGLISH)
        assert broken.answers_unreadable and not unknown.answers_unreadable, language
        assert unknown.problems and not unknown.answers


USAGE_MISTAKES = [  # (arguments, what the English message names)
    (["check"], "missing argument 'submission'"),
    (["check", "x", "--nope"], "no such option: --nope"),
    (["grade", "--json"], "did you mean --jobs?"),
    (["grade", "x", "--jobs", "0"], "invalid value for '--jobs' / '-j': must be at least 1"),
    (["check", "x", "--budget", "abc"], "invalid value for '--budget': not a number"),
    (["check", "--json"], "option --json needs a value"),
    (["nocmd"], "No such command 'nocmd'."),
]


@pytest.mark.parametrize("arguments, said", USAGE_MISTAKES, ids=[" ".join(a) for a, _ in USAGE_MISTAKES])
def test_a_mistake_on_the_command_line_is_said_in_the_language_chosen(arguments, said):
    en = grader(*arguments, env=EN)
    assert en.returncode == 2 and said in en.stderr, en.stderr
    assert "Traceback" not in en.stderr and not re.search(r"[\u4e00-\u9fff]", en.stderr)
    zh = grader(*arguments, env=ZH)
    assert zh.returncode == 2 and "Traceback" not in zh.stderr, zh.stderr
    shown = lines_of(zh)
    assert any(re.search(r"[\u4e00-\u9fff]", line) for line in shown), zh.stderr
    # the usage line's words too; what stays is the command, the arguments' names and what was typed
    names = r"python -m grader\.cli( [a-z-]+)?|\{[a-z]+\}|'[^']*'"
    assert not [line for line in shown if english(re.sub(names, " ", line))], "\n".join(shown)


def test_the_help_speaks_the_language_chosen_to_its_last_line():
    zh = grader("grade", "--help", env=ZH)
    assert zh.returncode == 0 and "用法：" in zh.stdout and "[选项]" in zh.stdout and "显示此帮助并退出。" in zh.stdout
    assert "Usage:" not in zh.stdout and "Show this message" not in zh.stdout and "[OPTIONS]" not in zh.stdout
    en = grader("grade", "--help", env=EN)
    assert "Usage: " in en.stdout and "Show this message and exit." in en.stdout
    assert not re.search(r"[\u4e00-\u9fff]", en.stdout)


def test_a_list_inside_a_sentence_is_joined_the_way_the_language_writes_it(bank, tmp_path):
    """Chinese enumerates with 、 (no space), English with ", ": the known exercises of a mistyped
    id, said by the real command, and a notebook's name bound several times (with the rest counted)."""
    from grader.i18n import speaking
    from grader.submissions.notebook_cells import Cell, analyse
    from grader.submissions.notebook_extract import SHOWN, extract

    sub = student(tmp_path / "s1")
    zh = grader("check", sub, "--bank", bank, "-e", "nope", env=ZH)
    assert zh.returncode == 2 and "已有的练习：corr、pool（" in zh.stderr, zh.stderr
    en = grader("check", sub, "--bank", bank, "-e", "nope", env=EN)
    assert en.returncode == 2 and "known: corr, pool (" in en.stderr, en.stderr

    def note(cells: list[str]) -> str:
        return extract("n.ipynb", analyse([Cell(i, text) for i, text in enumerate(cells, start=1)]), ["scale"]).note

    twice, many = ["scale = 2", "scale = 3"], [f"scale = {i}" for i in range(SHOWN + 2)]
    with speaking("zh-CN"):
        assert "scale 被绑定了 2 次（单元格 1 第 1 行 `scale = 2`、单元格 2 第 1 行 `scale = 3`）" in note(twice)
        counted = note(many)
    assert f"单元格 {SHOWN} 第 1 行 `scale = {SHOWN - 1}`，还有 2 条）" in counted and ", " not in counted, counted
    with speaking("en"):
        assert "scale is bound 2 times (cell 1 line 1 `scale = 2`, cell 2 line 1 `scale = 3`)" in note(twice)
        assert f"cell {SHOWN} line 1 `scale = {SHOWN - 1}`, and 2 more)" in note(many)


def test_the_report_templates_join_a_list_the_way_the_language_writes_it():
    """The reports' sandbox line lists the layers that were off through the templates' `listed` filter."""
    from grader.i18n import speaking
    from grader.reports.render import render
    from grader.reports.results import SubmissionResult

    result = SubmissionResult("ada", "s1", (), protections=(("landlock", False), ("rlimits", True), ("no-network", False)))
    with speaking("zh-CN"):
        assert "landlock、no-network" in render(result, "md") and "landlock、no-network" in render(result, "html")
    with speaking("en"):
        assert "Sandbox layers unavailable on this machine: landlock, no-network." in render(result, "md")
