"""`grader quiz`: one question at a time in the terminal, with feedback at once.

Answers are read with input(), so a quiz can be driven from a pipe as well as a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape

from grader.bank.prompts import render_text
from grader.bank.spec import Question, QuizExercise
from grader.bank.variants import PRACTICE, draw, question_values
from grader.i18n import N_, _, listed
from grader.judge.scope import variable_symbols
from grader.quiz.marking import mark
from grader.quiz.responses import CAP_HEADING, READ_HEADING
from grader.reports.render import points
from grader.reports.results import Status

_FORMS = {
    "numeric": N_("answer with a number"),
    "shape": N_("answer with a shape such as [2, 16, 5, 5]"),
    "choice": N_("answer with one option letter"),
    "multi": N_("answer with option letters separated by commas, e.g. a, c"),
}


@dataclass
class QuizScore:
    score: float
    max_score: float
    answers: dict[str, str] = field(default_factory=dict)  # question id -> the last answer given

    @property
    def full(self) -> bool:
        return self.score >= self.max_score


def _form(question: Question) -> str:
    if question.type == "symbolic":
        return _("answer with a formula in {names}").format(names=listed(variable_symbols(question.variables)))
    return _(_FORMS[question.type])


def show_question(console: Console, number: int, question: Question, values: dict) -> None:
    """`Q1 out-height (3 pt) prompt`: the id is the key to write in answers.yaml."""
    heading = (_("[bold]Q{number} {id}[/bold] ({points} pt) [cyan]practice[/cyan]") if question.practice
               else _("[bold]Q{number} {id}[/bold] ({points} pt)")).format(number=number, id=question.id,
                                                                           points=points(question.points))
    console.print(f"\n{heading} {escape(render_text(question.prompt, values))}")
    for letter, text in question.option_map.items():
        console.print(f"   {letter}) {escape(render_text(text, values))}")
    console.print(f"[dim]{_form(question)}[/dim]")


def _ask(console: Console) -> str | None:
    try:
        answer = input("> ")
    except EOFError:
        return None
    if not console.is_terminal:
        console.print(escape(answer), highlight=False)  # a piped answer: echo it, like a transcript
    return answer.strip()


def _unreadable(result) -> bool:
    return result.status is Status.ERROR and result.message.startswith((_(READ_HEADING), _(CAP_HEADING)))


def run_quiz(exercise: QuizExercise, student_id: str, console: Console, *, retries: int = 1, ask: bool = True) -> QuizScore:
    """Ask each question of `exercise` (as `student_id` sees it); return the score and the answers.

    An answer that cannot be read is asked again without using up a try. A question with no
    key (a handout's graded question) is shown, never asked or judged.
    """
    values = draw(exercise, student_id)
    variant = (_("the practice variant of a handout: your own numbers are on your quiz sheet") if exercise.handout
               else _("the practice variant, the same for everyone: give --student ID for a student's own numbers")
               if student_id == PRACTICE else _("variant of {student}").format(student=escape(student_id)))
    console.print(f"[bold]{escape(exercise.title)}[/bold] [dim]({exercise.id}, {variant})[/dim]")
    if exercise.description:
        console.print(escape(exercise.description))
    score = QuizScore(0.0, sum(q.points for q in exercise.questions if q.answer is not None))
    for number, question in enumerate(exercise.questions, start=1):
        asked = question_values(exercise, question, values)
        show_question(console, number, question, asked)
        if question.answer is None:  # a handout's graded question: not asked with these numbers
            console.print("[dim]" + _("graded by your instructor: answer it with the numbers of your quiz sheet, in "
                                      "answers.yaml under {exercise}: {question}:").format(exercise=exercise.id,
                                                                                          question=question.id) + "[/dim]")
            continue
        if not ask:
            continue
        tries = retries + 1
        while tries:
            answer = _ask(console)
            if answer is None:
                console.print("[yellow]" + _("no more answers; stopping") + "[/yellow]")
                return score
            score.answers[question.id] = answer
            result = mark(exercise, question, asked, answer)
            colour = {Status.PASSED: "green", Status.PARTIAL: "yellow"}.get(result.status, "red")
            console.print(f"[{colour}]{escape(result.message)}[/{colour}] ({points(result.score)}/{points(result.max_score)})")
            if result.hint:
                console.print("[cyan]" + _("hint: {hint}").format(hint=escape(result.hint)) + "[/cyan]")
            if _unreadable(result):
                console.print("[dim]" + _("that did not count as a try; answer again") + "[/dim]")
                continue
            tries -= 1
            if result.status is Status.PASSED or not tries:
                score.score += result.score
                break
            console.print("[dim]" + _("try again") + "[/dim]")
    if ask:
        console.print("\n[bold]" + _("score {score}/{max_score}").format(score=points(score.score),
                                                                        max_score=points(score.max_score)) + "[/bold]")
    return score
