"""Deploying a bank to learning platforms: a Gradescope autograder bundle, and quizzes
exported for Moodle (XML) and Canvas (QTI 1.2).

`quiz_items` turns quiz exercises into platform-neutral items (one per question and
variant, with its proven key); `moodle` and `qti` write them, `stack` writes symbolic
questions as Moodle STACK questions, `quiz_export` is the `export-quiz` command's work;
`gradescope` builds the autograder zip and `gradescope_run` is what runs inside it.
"""
