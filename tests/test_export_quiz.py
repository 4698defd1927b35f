"""grader export-quiz: Moodle XML and Canvas QTI 1.2, checked against what each importer needs,
and keyed by what grader validate proves.

Moodle publishes no schema for its XML format; the checks below are the fields its importer
(question/format/xml) reads and the rules it enforces, from Moodle's "Moodle XML format" page:
a <quiz> of <question type=...>; categories as $course$/... paths; every question a name,
a questiontext and answers with a fraction among Moodle's grade choices; numerical answers
a number (or *) with a tolerance; multichoice a <single>; shortanswer a <usecase>; an
idnumber of at most 100 characters, unique in its category. The QTI checks follow IMS QTI 1.2
(questestinterop, assessment, section, item, presentation, resprocessing) and Canvas's
reading of it (question_type and points_possible metadata, selection_ordering for a group).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import sympy

from conftest import FIXTURE_BANK, REPO, write_spec
from grader.bank.loading import load_bank
from grader.bank.resources import bundled
from grader.bank.spec import QuizExercise
from grader.lms.moodle import FRACTIONS, MAX_IDNUMBER, moodle_xml
from grader.lms.qti import QTI_NS, QUESTION_TYPES, qti_files
from grader.lms.quiz_items import build_items, symbolic_variants, variant_id
from grader.proofs.validate import validate_bank, variants_of
from grader.quiz import keys

Q = "{%s}" % QTI_NS
MOODLE_TYPES = {"category", "numerical", "multichoice", "shortanswer", "truefalse", "essay", "description", "stack"}
GRADES = {float(f) for f in FRACTIONS} | {-float(f) for f in FRACTIONS}


def quizzes(folder: Path) -> list[QuizExercise]:
    return [e for e in load_bank(folder) if isinstance(e, QuizExercise)]


def plain(text: str) -> str:
    """Moodle/Canvas HTML text back to plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


# --- what Moodle's importer needs --------------------------------------------------------------


def check_moodle(text: str) -> list[ET.Element]:
    """Assert the file is one Moodle's importer takes; return its non-category questions."""
    root = ET.fromstring(text)
    assert root.tag == "quiz"
    questions, category, seen = [], None, set()
    for question in root:
        assert question.tag == "question"
        kind = question.get("type")
        assert kind in MOODLE_TYPES, kind
        if kind == "category":
            category = question.findtext("category/text")
            assert category and category.startswith("$course$/"), category
            continue
        assert category is not None, "a question before any category"
        assert question.findtext("name/text").strip()
        assert question.find("questiontext").get("format") in ("html", "moodle_auto_format", "plain_text", "markdown")
        assert question.findtext("questiontext/text").strip()
        assert float(question.findtext("defaultgrade")) > 0
        idnumber = question.findtext("idnumber")
        assert idnumber and len(idnumber) <= MAX_IDNUMBER
        assert (category, idnumber) not in seen, f"idnumber {idnumber} twice in {category}"
        seen.add((category, idnumber))
        if kind == "stack":
            check_stack(question)
            questions.append(question)
            continue
        answers = question.findall("answer")
        assert answers, f"{idnumber}: no answers"
        for answer in answers:
            assert float(answer.get("fraction")) in GRADES, f"{idnumber}: fraction {answer.get('fraction')}"
            assert answer.findtext("text") is not None and answer.findtext("text").strip()
            assert answer.find("feedback/text") is not None
        fractions = [float(a.get("fraction")) for a in answers]
        if kind == "numerical":
            for answer in answers:
                value = answer.findtext("text")
                assert value == "*" or float(value) == float(value), value
                assert float(answer.findtext("tolerance")) >= 0
            assert 100 in fractions
        elif kind == "shortanswer":
            assert question.findtext("usecase") in ("0", "1")
            assert 100 in fractions
        elif kind == "multichoice":
            single = question.findtext("single")
            assert single in ("true", "false")
            assert len(answers) >= 2
            if single == "true":
                assert fractions.count(100) == 1
            else:  # Moodle refuses positive grades that do not add up to 100%
                assert abs(sum(f for f in fractions if f > 0) - 100) < 0.01
        questions.append(question)
    return questions


def check_stack(question: ET.Element) -> None:
    """What qtype_stack's importer (import_from_xml) reads and its validation insists on: named
    inputs, PRTs and nodes; each input and PRT placed in the text; nodes linking to nodes."""
    text = question.findtext("questiontext/text") + question.findtext("specificfeedback/text")
    inputs = [i.findtext("name") for i in question.findall("input")]
    assert inputs == ["ans1"] and "[[input:ans1]]" in text and "[[validation:ans1]]" in text
    (answer_input,) = question.findall("input")
    assert answer_input.findtext("type") == "algebraic" and answer_input.findtext("tans") == "ta"
    assert re.search(r"(^|\n)ta: ", question.findtext("questionvariables/text"))
    for prt in question.findall("prt"):
        name = prt.findtext("name")
        assert name and f"[[feedback:{name}]]" in text
        nodes = {n.findtext("name") for n in prt.findall("node")}
        assert "0" in nodes
        for node in prt.findall("node"):
            assert node.findtext("answertest") and node.findtext("sans") and node.findtext("tans")
            for branch in ("true", "false"):
                assert node.findtext(f"{branch}nextnode") in nodes | {"-1"}
                assert node.findtext(f"{branch}scoremode") in ("=", "+", "-")
                assert node.find(f"{branch}feedback/text") is not None


# --- what a QTI 1.2 importer (Canvas) needs ----------------------------------------------------


def check_qti(files: dict[str, str]) -> list[ET.Element]:
    """Assert the package is QTI 1.2 as Canvas imports it; return its items."""
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.tag.endswith("manifest")
    resources = [r for r in manifest.iter() if r.tag.endswith("resource")]
    assert resources
    items, idents = [], set()
    for resource in resources:
        assert resource.get("type") == "imsqti_xmlv1p2"
        href = resource.get("href")
        assert href in files, f"manifest names {href}, not in the zip"
        assert [f.get("href") for f in resource if f.tag.endswith("file")] == [href]
        root = ET.fromstring(files[href])
        assert root.tag == Q + "questestinterop"
        (assessment,) = root.findall(Q + "assessment")
        assert assessment.get("ident") and assessment.get("title")
        (top,) = assessment.findall(Q + "section")
        assert top.get("ident") == "root_section"
        for section in top.findall(Q + "section"):
            group = section.findall(Q + "item")
            assert group
            number = int(section.findtext(f"{Q}selection_ordering/{Q}selection/{Q}selection_number"))
            assert 1 <= number <= len(group)
            points = float(section.findtext(f"{Q}selection_ordering/{Q}selection/{Q}selection_extension/{Q}points_per_item"))
            for item in group:
                ident = item.get("ident")
                assert ident and ident not in idents
                idents.add(ident)
                meta = {f.findtext(Q + "fieldlabel"): f.findtext(Q + "fieldentry")
                        for f in item.iter(Q + "qtimetadatafield")}
                assert meta["question_type"] in QUESTION_TYPES.values()
                assert float(meta["points_possible"]) == points
                presentation = item.find(Q + "presentation")
                assert presentation.findtext(f"{Q}material/{Q}mattext").strip()
                responses = {r.get("ident"): r for r in presentation if r.tag in (Q + "response_str", Q + "response_lid")}
                assert list(responses) == ["response1"]
                labels = {label.get("ident") for label in presentation.iter(Q + "response_label")}
                feedback = {f.get("ident") for f in item.findall(Q + "itemfeedback")}
                processing = item.find(Q + "resprocessing")
                assert processing.find(f"{Q}outcomes/{Q}decvar").get("varname") == "SCORE"
                scored = 0
                for condition in processing.findall(Q + "respcondition"):
                    assert condition.get("continue") in ("Yes", "No")
                    for equal in condition.iter(Q + "varequal"):
                        assert equal.get("respident") == "response1"
                        if presentation.find(Q + "response_lid") is not None:
                            assert equal.text in labels, f"{ident}: {equal.text} is no choice"
                    for shown in condition.findall(Q + "displayfeedback"):
                        assert shown.get("linkrefid") in feedback
                    scored += condition.findtext(Q + "setvar") == "100"
                assert scored == 1, f"{ident}: {scored} conditions give full marks"
                items.append(item)
    return items


# --- the round trip: each exported key is the one validate proves ------------------------------


def proven(exercises: list[QuizExercise]) -> dict[tuple[str, str, str], object]:
    """(exercise, question, variant id) -> the key validate checks, over the variants validate draws."""
    table = {}
    for exercise in exercises:
        for values in variants_of(exercise):
            for question in exercise.questions:
                if question.type != "symbolic":
                    table[exercise.id, question.id, variant_id(values)] = (
                        exercise, question, keys.key_value(exercise, question, values))
    return table


def moodle_keys_match(questions: list[ET.Element], table: dict) -> int:
    questions = [q for q in questions if q.get("type") != "stack"]  # see test_stack_questions_judge_as_validate_proves
    for question in questions:
        exercise, q, key = table[tuple(question.findtext("idnumber").split("/"))]
        right = [a for a in question.findall("answer") if float(a.get("fraction")) > 0]
        if q.type == "numeric":
            (answer,) = right
            tolerance = q.tolerances.abs + q.tolerances.rel * abs(float(key))
            if tolerance == 0 and not (key.is_Rational and set(sympy.factorint(key.q)) <= {2, 5}):
                # sqrt(512) cannot be typed into a number box: 7 significant digits instead, and the question says so
                tolerance = 1e-6 * abs(float(key))
                assert "at least 7 significant digits" in plain(question.findtext("questiontext/text"))
            assert abs(float(answer.findtext("text")) - float(key)) <= max(tolerance, 1e-12 * abs(float(key)))
            assert float(answer.findtext("tolerance")) == pytest.approx(tolerance, abs=1e-9 * abs(float(key)))
        elif q.type == "shape":
            assert "[" + ", ".join(map(str, key)) + "]" in [a.findtext("text") for a in right]
        else:
            chosen = {letter for letter, text in q.option_map.items()
                      if any(plain(a.findtext("text")) == text for a in right)}
            assert chosen == ({key} if q.type == "choice" else set(key))
    return len(questions)


def test_fixture_bank_round_trip_moodle(golden):
    exercises = quizzes(FIXTURE_BANK)
    assert validate_bank(FIXTURE_BANK).ok  # the keys below are proven ones
    items, skipped = build_items(exercises, 3)
    text, left_out = moodle_xml(items, symbolic_variants(exercises, 3))
    golden("export-quiz.moodle.xml", text)
    questions = check_moodle(text)
    assert moodle_keys_match(questions, proven(exercises)) == len(items) > 0
    assert not left_out
    assert [f"{s.exercise_id}/{s.question_id}" for s in skipped] == ["layer-count/out-height"]  # symbolic
    assert len([q for q in questions if q.get("type") == "stack"]) == len(symbolic_variants(exercises, 3)) == 1


def test_moodle_numbers_are_the_course_formula_not_just_the_grader_own():
    """An independent check of the key: c_out*c_in*k*k + c_out, computed here from the variant."""
    (exercise,) = [e for e in quizzes(FIXTURE_BANK) if e.id == "layer-count"]
    by_variant = {variant_id(v): v for v in variants_of(exercise)}
    questions = check_moodle(moodle_xml(build_items([exercise], 50)[0])[0])
    counts = [q for q in questions if q.findtext("idnumber").startswith("layer-count/count/")]
    assert len(counts) == len(by_variant) == 2 * 5 * 2  # every proven variant, when fewer than asked
    for question in counts:
        p = by_variant[question.findtext("idnumber").split("/")[2]]
        right = [a for a in question.findall("answer") if a.get("fraction") == "100"]
        assert [int(a.findtext("text")) for a in right] == [p["c_out"] * p["c_in"] * p["k"] ** 2 + p["c_out"]]
        wrong = {a.findtext("text"): plain(a.findtext("feedback/text")) for a in question.findall("answer")
                 if a.get("fraction") == "0"}
        assert wrong[str(p["c_out"] * p["c_in"] * p["k"] ** 2)] == "One bias per output channel is missing."
        assert "Count the weights" in wrong["*"]  # the hint, for any other wrong answer


def test_fixture_bank_round_trip_qti(golden):
    exercises = quizzes(FIXTURE_BANK)
    items, _ = build_items(exercises, 3)
    files = qti_files(items)
    for name, text in files.items():
        golden("export-quiz.qti." + name.replace("/", "."), text)
    exported = check_qti(files)
    assert len(exported) == len(items)
    table = proven(exercises)
    for item in exported:
        meta = {f.findtext(Q + "fieldlabel"): f.findtext(Q + "fieldentry") for f in item.iter(Q + "qtimetadatafield")}
        exercise, question, key = table[tuple(meta["grader_variant"].split("/"))]
        right = next(c for c in item.iter(Q + "respcondition") if c.findtext(Q + "setvar") == "100")
        if question.type == "numeric":
            low = float(right.findtext(f".//{Q}vargte"))
            high = float(right.findtext(f".//{Q}varlte"))
            assert low <= float(key) <= high
        elif question.type == "shape":
            assert "[" + ", ".join(map(str, key)) + "]" in [e.text for e in right.iter(Q + "varequal")]
        else:
            picked = {e.text.rsplit("_", 1)[1] for e in right.iter(Q + "varequal")
                      if e not in {n for x in right.iter(Q + "not") for n in x}}
            assert picked == ({key} if question.type == "choice" else set(key))


@pytest.mark.timeout(600)
def test_bundled_bank_exports_for_both_and_keys_are_the_proven_ones(tmp_path):
    exercises = quizzes(bundled("exercises"))
    items, skipped = build_items(exercises, 2)
    text, left_out = moodle_xml(items)
    questions = check_moodle(text)
    assert moodle_keys_match(questions, proven(exercises)) == len(items) - len(left_out)
    assert len(check_qti(qti_files(items))) == len(items)
    symbolic = {(e.id, q.id) for e in exercises for q in e.questions if q.type == "symbolic"}
    assert {(s.exercise_id, s.question_id) for s in skipped} == symbolic  # for Canvas
    assert all("Canvas" in s.reason for s in skipped)


def test_a_multi_question_moodle_cannot_grade_is_skipped_with_why(tmp_path):
    letters = "abcdefghijk"
    write_spec(tmp_path / "eleven", f"""
id: eleven
title: Eleven right options
kind: quiz
topic: cnn-basics
questions:
  - id: all
    type: multi
    prompt: Pick all.
    options: [{", ".join(letters)}]
    answer: [{", ".join(letters)}]
""")
    items, _ = build_items(quizzes(tmp_path), 1)
    text, left_out = moodle_xml(items)
    assert left_out == ["eleven/all/v0: skipped: option a would be worth 9.09091%, not one of Moodle's grades "
                        "(a multi question with 11 right options)"]
    assert check_moodle(text) == []


def test_multi_partial_credit_is_grader_rule():
    """Moodle adds the fractions of the ticked options, floored at 0: right - wrong over the right ones."""
    (exercise,) = [e for e in quizzes(FIXTURE_BANK) if e.id == "shapes-and-choices"]
    items, _ = build_items([exercise], 1)
    (gates,) = [i for i in items if i.question.id == "gates"]
    assert {o.letter: o.fraction for o in gates.options} == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3, "d": -1 / 3})
    question = check_moodle(moodle_xml([gates])[0])[0]
    assert [a.get("fraction") for a in question.findall("answer")] == ["33.33333", "33.33333", "33.33333", "-33.33333"]


def grader(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=300)


def test_cli_writes_both_files_names_each_skip_and_exits_1(tmp_path):
    run = grader("export-quiz", "--bank", FIXTURE_BANK, "--variants", "2",
                 "--moodle", tmp_path / "q.xml", "--qti", tmp_path / "q.zip")
    assert run.returncode == 1, run.stderr
    assert "qti: layer-count/out-height: skipped: a symbolic answer" in " ".join(run.stderr.split())
    assert "1 STACK question(s) (Moodle)" in run.stdout.replace("\n", " ")  # out-height uses no params: once
    check_moodle((tmp_path / "q.xml").read_text(encoding="utf-8"))
    with zipfile.ZipFile(tmp_path / "q.zip") as archive:
        check_qti({name: archive.read(name).decode() for name in archive.namelist()})


def test_cli_one_quiz_without_symbolic_exits_0(tmp_path):
    run = grader("export-quiz", "--bank", FIXTURE_BANK, "-e", "shapes-and-choices", "-n", "1", "--qti", tmp_path / "q.zip")
    assert run.returncode == 0, run.stderr
    assert "3 questions (variants) from 1 quizzes; 0 skipped" in run.stdout


@pytest.mark.parametrize("args, message", [
    (["-n", "2"], "name --moodle FILE.xml or --qti FILE.zip"),
    (["-n", "2", "--moodle", "x.xml", "-e", "nope"], "no exercise 'nope'"),
    (["-n", "2", "--moodle", "x.xml", "-e", "corr2d", "--bank", bundled("exercises").parent], "corr2d is a code exercise"),
])
def test_cli_usage_and_spec_errors_exit_2(tmp_path, args, message):
    args = [str(a) for a in args]
    if "--bank" not in args:
        args += ["--bank", str(FIXTURE_BANK)]
    run = grader("export-quiz", *[str(tmp_path / a) if a.endswith(".xml") else a for a in args])
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in " ".join((run.stdout + run.stderr).split())


def test_a_question_that_leans_on_an_earlier_one_carries_its_prompt_for_the_same_variant():
    """conv-params/no-bias says "the same layer": a platform draws its variant alone, so the
    count question's prompt comes with it, with the values its own key uses."""
    exercise = next(e for e in quizzes(bundled("exercises")) if e.id == "conv-params")
    by_variant = {variant_id(v): v for v in variants_of(exercise)}
    questions = check_moodle(moodle_xml(build_items([exercise], 4)[0])[0])
    for question in questions:
        exercise_id, question_id, variant = question.findtext("idnumber").split("/")
        text = plain(question.findtext("questiontext/text"))
        p = by_variant[variant]
        if question_id == "no-bias":
            assert f"Earlier in this exercise: nn.Conv2d({p['c_in']}, {p['c_out']}, kernel_size={p['k']})" in text
            right = next(a for a in question.findall("answer") if a.get("fraction") == "100")
            assert int(right.findtext("text")) == p["c_out"] * p["c_in"] * p["k"] ** 2
        else:
            assert "Earlier in this exercise" not in text  # count shows its values; the others need none


MAXIMA = shutil.which("maxima")


def maxima_run(script: str) -> list[str]:
    done = subprocess.run([MAXIMA, "--very-quiet", "--batch-string", "display2d:false$ linel: 100000$\n" + script],
                          capture_output=True, text=True, timeout=120)
    return [line for line in done.stdout.splitlines() if line.startswith("R ")]


def statements(text: str) -> str:
    return text.strip().rstrip(";").replace(";\n", "$\n") + "$\n"


@pytest.mark.skipif(MAXIMA is None, reason="Maxima (STACK's CAS) is not installed: apt-get install maxima")
@pytest.mark.parametrize("bank", [FIXTURE_BANK, bundled("exercises")], ids=["fixture", "bundled"])
def test_stack_questions_judge_as_validate_proves(bank):
    """In Maxima, as STACK runs it: ta is the proven key at every sample point; the key as an
    answer reaches node 0 (full marks) and each feedback rule's answer reaches its own node only."""
    exercises = quizzes(bank)
    variants = symbolic_variants(exercises, 2)
    questions = [q for q in check_moodle(moodle_xml([], variants)[0]) if q.get("type") == "stack"]
    assert len(questions) == len(variants) > 0
    by_id = {f"{e.id}/{q.id}/{variant_id(v)}": (e, q, v) for e, q, v in variants}
    for question in questions:
        exercise, q, values = by_id[question.findtext("idnumber")]
        setup = statements(question.findtext("questionvariables/text"))
        feedback = statements(question.findtext("prt/feedbackvariables/text"))
        rules = [r for r in q.feedback if r.applies(values)]
        script = setup + 'print("R", makelist(float(ev(ta, pt)), pt, pts))$\n'
        for answer in ["ta"] + [f"r{i}" for i in range(1, len(rules) + 1)]:
            script += f"ans1: {answer}$\n" + feedback + 'print("R", [' + ", ".join(f"k{i}" for i in range(len(rules) + 1)) + "])$\n"
        lines = maxima_run(script)
        assert len(lines) == len(rules) + 2, (question.findtext("idnumber"), lines)
        points = [dict(re.findall(r"(\w+) = \((-?\d+(?:/\d+)?)\)", p))
                  for p in re.findall(r"\[([^\[\]]*)\]", setup.split("pts: ", 1)[1])]
        key = keys.key_value(exercise, q, values)
        expected = [float(key.subs({s: sympy.Rational(points[j][s.name]) for s in key.free_symbols}))
                    for j in range(len(points))]
        got = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", lines[0][2:])]
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
        for row, line in enumerate(lines[1:]):
            verdicts = line[2:].strip("[] ").split(",")
            assert verdicts == ["true" if i == row else "false" for i in range(len(rules) + 1)], (question.findtext("idnumber"), row)


# --- exported variants and STACK points spread over the whole domain (issue 20, item 1) -----------


def test_exported_variants_spread_over_every_param(tmp_path):
    """--variants 5 drew L = 4, 4, 4, 3, 4 (the first five in a hash order): each param now
    takes as many values as it can, its ends first."""
    from grader.lms.quiz_items import export_variants

    exercise = quizzes(write_spec(tmp_path / "bank" / "spread", """\
id: spread
title: Spread
kind: quiz
topic: t
params:
  L: [2, 3, 4]
  width: [16, 32, 64]
  n: {min: 1, max: 50}
questions:
  - id: q
    type: numeric
    prompt: "{{ L }} {{ width }} {{ n }}"
    answer: "L*width + n"
""").parent)[0]
    chosen = export_variants(exercise, 5)
    assert len({variant_id(v) for v in chosen}) == 5
    assert {v["L"] for v in chosen} == {2, 3, 4} and {v["width"] for v in chosen} == {16, 32, 64}
    assert len({v["n"] for v in chosen}) == 5
    assert export_variants(exercise, 5) == chosen  # the same file on every run
    assert export_variants(exercise, 3) == chosen[:3]


def test_stack_sample_points_vary_every_variable(tmp_path):
    """Every exported STACK point had n_in = 1: the first points of a 40 x 40 grid in its order."""
    from grader.lms.stack import POINTS, stack_parts

    exercise = quizzes(write_spec(tmp_path / "bank" / "gru", """\
id: gru
title: GRU
kind: quiz
topic: rnn
questions:
  - id: count
    type: symbolic
    prompt: "How many parameters does nn.GRU(n_in, n_h) have?"
    variables:
      n_in: {integer: [1, 40]}
      n_h: {integer: [1, 40]}
    answer: "3*(n_h*n_in + n_h*n_h + 2*n_h)"
""").parent)[0]
    text = stack_parts(exercise, exercise.questions[0], {})["questionvariables"]
    listed = re.findall(r"\[([^\[\]]*)\]", text.split("pts: ", 1)[1])
    points = [dict(re.findall(r"(\w+) = \((\d+)\)", p)) for p in listed]
    assert len(points) == POINTS
    for name in ("n_in", "n_h"):
        values = {int(p[name]) for p in points}
        assert {1, 40} <= values and len(values) >= POINTS // 2, (name, sorted(values))
