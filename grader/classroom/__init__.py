"""Grading a class: the batch, warm grading workers, the SQLite gradebook, exports, the class
report, and grading on a Dask cluster.

May import grader.grading and every layer below it.
"""
