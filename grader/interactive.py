"""`grader quiz`: one question at a time in the terminal, with feedback at once.

Answers are read with input(), so a quiz can be driven from a pipe as well as a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from grader.quiz.marking import mark
from grader.quiz.prompts import render_text
from grader.quiz.scope import variable_symbols
from grader.report import points
from grader.results import Status
from grader.spec import Question, QuizExercise
from grader.variants import draw

_FORMS = {
    "numeric": "a number",
    "shape": "a shape such as [2, 16, 5, 5]",
    "choice": "one option letter",
    "multi": "option letters separated by commas, e.g. a, c",
}


@dataclass(frozen=True)
class QuizScore:
    score: float
    max_score: float

    @property
    def full(self) -> bool:
        return self.score >= self.max_score


def _form(question: Question) -> str:
    if question.type == "symbolic":
        return "a formula in " + ", ".join(variable_symbols(question))
    return _FORMS[question.type]


def show_question(console: Console, number: int, question: Question, values: dict) -> None:
    console.print(f"\n[bold]Q{number}[/bold] ({points(question.points)} pt) {escape(render_text(question.prompt, values))}")
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


def run_quiz(exercise: QuizExercise, student_id: str, console: Console, *, retries: int = 1, ask: bool = True) -> QuizScore:
    """Ask each question of `exercise` (as `student_id` sees it); return the score."""
    values = draw(exercise, student_id)
    console.print(f"[bold]{escape(exercise.title)}[/bold] [dim]({exercise.id}, variant of {escape(student_id)})[/dim]")
    if exercise.description:
        console.print(escape(exercise.description))
    total = 0.0
    for number, question in enumerate(exercise.questions, start=1):
        show_question(console, number, question, values)
        if not ask:
            continue
        for attempt in range(retries + 1):
            answer = _ask(console)
            if answer is None:
                console.print("[yellow]no more answers; stopping[/yellow]")
                return QuizScore(total, sum(q.points for q in exercise.questions))
            result = mark(exercise, question, values, answer)
            colour = {Status.PASSED: "green", Status.PARTIAL: "yellow"}.get(result.status, "red")
            console.print(f"[{colour}]{escape(result.message)}[/{colour}] ({points(result.score)}/{points(result.max_score)})")
            if result.hint:
                console.print(f"[cyan]hint: {escape(result.hint)}[/cyan]")
            if result.status is Status.PASSED or attempt == retries:
                total += result.score
                break
            console.print("[dim]try again[/dim]")
    maximum = sum(q.points for q in exercise.questions)
    if ask:
        console.print(f"\n[bold]score {points(total)}/{points(maximum)}[/bold]")
    return QuizScore(total, maximum)
