import sys

LINE = "flood " * 1000 + "\n"


def double(x):
    for _ in range(100_000):  # 600 MB if nothing stops it
        sys.stdout.write(LINE)
        sys.stderr.write(LINE)
    return x
