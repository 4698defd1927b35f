"""Evaluating an author's `verify:` expression: trusted instructor code, never a student's.

Only `grader validate` calls this. The namespace gives the expression torch, sympy and
the proof helpers of grader.proofs, plus the variant's values and the answer `key`.
"""

from __future__ import annotations

import math
from functools import lru_cache


@lru_cache(maxsize=1)
def _namespace() -> dict:
    import sympy
    import torch
    import torch.nn.functional as F
    from torch import nn

    from grader import proofs

    helpers = {name: getattr(proofs, name) for name in getattr(proofs, "__all__", ())}
    return {"torch": torch, "nn": nn, "F": F, "sympy": sympy, "sp": sympy, "math": math, **helpers}


@lru_cache(maxsize=1024)
def _compiled(text: str):
    return compile(text, "<verify>", "eval")


def evaluate(text: str, names: dict):
    """The value of the author's expression `text` with `names` bound."""
    # one globals dict, so that comprehensions in the expression see the names too
    scope = {"__builtins__": __builtins__, **_namespace(), **names}
    return eval(_compiled(text), scope)  # noqa: S307 - trusted author code, see the module docstring
