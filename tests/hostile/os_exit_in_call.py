import os


def double(x):
    if x[0] > 0:  # dies in the first check only: the second must get a fresh child
        os._exit(0)
    return 2 * x
