"""The bank: exercise specs read from YAML into models, their names checked, per-student variants
drawn, and where a bank and its templates are found.

May import: grader.judge (the expression parser and symbols, for names and constraints) and
grader.errors. Nothing here runs student code or grades.
"""
