import socket


def double(x):
    with socket.create_connection(("127.0.0.1", __PORT__), timeout=1) as conn:
        conn.sendall(b"__MARKER__")
    return 2 * x  # only if the connection went through
