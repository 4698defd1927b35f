"""The untrusted side: the launcher, the zygote and child server, confinement, and the wire.

May import grader.errors only: nothing of the trusted side is visible in the child.
"""
