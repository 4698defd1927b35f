import os

for path in ("/tmp/marker-__MARKER__", "__REPO__/marker-__MARKER__", "/root/marker-__MARKER__",
             os.path.expanduser("~/../marker-__MARKER__"), "../marker-__MARKER__"):
    try:
        with open(path, "w") as f:
            f.write("x")
    except OSError:
        pass


def double(x):
    return 2 * x  # honest: writing elsewhere must simply not work
