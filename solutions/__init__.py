"""Reference solutions and mutants (packaged as grader.solutions)."""
