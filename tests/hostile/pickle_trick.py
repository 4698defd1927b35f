class Boom:
    def __reduce__(self):
        return (open, ("/tmp/pickled-__MARKER__", "w"))


def double(x):
    return Boom()
