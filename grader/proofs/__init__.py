"""Proving a bank right before a student sees it: `grader validate` (specs, keys, verify:
lines run against independent helpers) and `grader selftest` (references pass, mutants fail).

May import every layer below it: grader.checking, grader.quiz, grader.reports,
grader.submissions, grader.bank, grader.judge, grader.sandbox, grader.errors.
"""
