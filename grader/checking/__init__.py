"""The trusted side of code grading: the hidden checks' helpers, remote handles on the
child's objects, matching weights by structure, evidence that the child does not lie, the
session that runs a submission in the sandbox, and the pytest plugin.

May import: grader.reports, grader.submissions, grader.bank, grader.sandbox, grader.errors.
Check files import their helpers from here (grader.checking.checks, .evidence, .align).
"""
