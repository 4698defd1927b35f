"""The symbolic judge: the safe expression parser, sampling and deciding equivalence, and the
worker process that does it under time caps.

May import: grader.errors only. It knows nothing of specs: callers hand it parsed expressions,
symbols and domains.
"""
