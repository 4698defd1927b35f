"""Marking a quiz: answer keys as sympy, reading the student's responses, feedback rules, and
`grader quiz` one question at a time.

May import: grader.reports, grader.submissions, grader.bank, grader.judge, grader.errors.
"""
