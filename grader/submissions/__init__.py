"""A student's submission as the grader reads it: regular files only (no link followed, sizes
capped), answers.yaml, modules from notebooks, and a submission as content for a cluster.

May import: grader.bank and grader.errors.
"""
