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
from grader.judge.scope import variable_symbols
from grader.quiz.marking import mark
from grader.reports.render import points
from grader.reports.results import Status

_FORMS = {
    "numeric": "a number",
    "shape": "a shape such as [2, 16, 5, 5]",
    "choice": "one option letter",
    "multi": "option letters separated by commas, e.g. a, c",
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
        return "a formula in " + ", ".join(variable_symbols(question.variables))
    return _FORMS[question.type]


def show_question(console: Console, number: int, question: Question, values: dict) -> None:
    """`Q1 out-height (3 pt) prompt`: the id is the key to write in answers.yaml."""
    practice = " [cyan]practice[/cyan]" if question.practice else ""
    console.print(f"\n[bold]Q{number} {question.id}[/bold] ({points(question.points)} pt){practice} "
                  f"{escape(render_text(question.prompt, values))}")
    for letter, text in question.option_map.items():
        console.print(f"   {letter}) {escape(render_text(text, values))}")
    console.print(f"[dim]answer with {_form(question)}[/dim]")


def _ask(console: Console) -> str | None:
    try:
        answer = input("> ")
    except EOFError:
        return None
    if not console.is_terminal:
        console.print(escape(answer), highlight=False)  # a piped answer: echo it, like a transcript
    return answer.strip()


def _unreadable(result) -> bool:
    return result.status is Status.ERROR and result.message.startswith(("could not read", "answer refused by a safety cap"))


def run_quiz(exercise: QuizExercise, student_id: str, console: Console, *, retries: int = 1, ask: bool = True) -> QuizScore:
    """Ask each question of `exercise` (as `student_id` sees it); return the score and the answers.

    An answer that cannot be read is asked again without using up a try. A question with no
    key (a handout's graded question) is shown, never asked or judged.
    """
    values = draw(exercise, student_id)
    variant = ("the practice variant of a handout: your own numbers are on your quiz sheet" if exercise.handout
               else "the practice variant, the same for everyone: give --student ID for a student's own numbers"
               if student_id == PRACTICE else f"variant of {escape(student_id)}")
    console.print(f"[bold]{escape(exercise.title)}[/bold] [dim]({exercise.id}, {variant})[/dim]")
    if exercise.description:
        console.print(escape(exercise.description))
    score = QuizScore(0.0, sum(q.points for q in exercise.questions if q.answer is not None))
    for number, question in enumerate(exercise.questions, start=1):
        asked = question_values(exercise, question, values)
        show_question(console, number, question, asked)
        if question.answer is None:  # a handout's graded question: not asked with these numbers
            console.print(f"[dim]graded by your instructor: answer it with the numbers of your quiz sheet, in "
                          f"answers.yaml under {exercise.id}: {question.id}:[/dim]")
            continue
        if not ask:
            continue
        tries = retries + 1
        while tries:
            answer = _ask(console)
            if answer is None:
                console.print("[yellow]no more answers; stopping[/yellow]")
                return score
            score.answers[question.id] = answer
            result = mark(exercise, question, asked, answer)
            colour = {Status.PASSED: "green", Status.PARTIAL: "yellow"}.get(result.status, "red")
            console.print(f"[{colour}]{escape(result.message)}[/{colour}] ({points(result.score)}/{points(result.max_score)})")
            if result.hint:
                console.print(f"[cyan]hint: {escape(result.hint)}[/cyan]")
            if _unreadable(result):
                console.print("[dim]that did not count as a try; answer again[/dim]")
                continue
            tries -= 1
            if result.status is Status.PASSED or not tries:
                score.score += result.score
                break
            console.print("[dim]try again[/dim]")
    if ask:
        console.print(f"\n[bold]score {points(score.score)}/{points(score.max_score)}[/bold]")
    return score
