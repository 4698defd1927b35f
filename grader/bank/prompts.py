"""Question text as Jinja templates over a variant's parameter values."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

_environment = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=2048)
def _template(text: str) -> jinja2.Template:
    return _environment.from_string(text)


def render_text(text: str, values: dict[str, object]) -> str:
    """Fill `{{ name }}` placeholders; an unknown name raises jinja2.TemplateError."""
    if "{" not in text:
        return text
    return _template(text).render(**values).strip()
