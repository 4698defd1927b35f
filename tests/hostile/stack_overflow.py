import sys

sys.setrecursionlimit(10**7)


def dive(n):
    return list(map(dive, [n + 1]))  # through C each time: the C stack overflows, not Python's


def double(x):
    return dive(0)
