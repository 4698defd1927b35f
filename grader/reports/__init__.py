"""Results and what people read of them: the result models, results as plain data, the
terminal, HTML, Markdown and JSON reports, and text from submissions made safe to show.

May import: grader.bank (where the templates are) and grader.errors.
"""
