import os


def double(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep-__MARKER__", "300"])
        os._exit(0)
    return 2 * x  # honest work: the leftover process must still go
