"""Reference of the probe exercise. SECRET-SOLUTION-SOURCE"""


def double(x):
    return 2 * x
