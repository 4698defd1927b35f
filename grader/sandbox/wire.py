"""The wire protocol between the grader, the zygote and sandboxed children.

A frame is `[u32 header length][header JSON][blobs]`, preceded by a u32 total length.
Values are plain data only: None, bool, int, float, str, list, tuples and dicts (tagged),
and tensors as dtype + shape + raw bytes in a blob. Decoding builds nothing but built-in
types and plain CPU tensors, so a frame from a hostile child can run no code in the
grader: there is no pickle anywhere on this path.
"""

from __future__ import annotations

import ctypes
import json
import math
import socket
import struct
import sys
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

LARGE_BLOB = 1 << 20  # bytes from which a blob is read into torch memory
SOCKET_BUFFER = 1 << 20  # bytes asked of each end of a child's socket (the kernel doubles it)
MAX_FRAME = 256 * 1024 * 1024  # twice the largest honest reply, AlexNet's 120 MB of weights
MAX_DEPTH = 64  # containers in containers, as encode allows
_LEN = struct.Struct("!I")
DTYPE_NAMES = ("float32", "float64", "float16", "bfloat16", "complex64",
               "int64", "int32", "int16", "int8", "uint8", "bool")


@cache
def dtypes() -> dict:
    """The tensor dtypes that may cross, by name. torch is imported on first use, not with this
    module, so that the grader can start its zygote before it pays for torch itself."""
    import torch

    return {name: getattr(torch, name) for name in DTYPE_NAMES}


def N_(message: str) -> str:
    """Marks `message` for grader's catalog, as grader.i18n.N_ does: the child never imports the
    catalog; the grader says the sentence in its language (sandbox.launcher, checking.session)."""
    return message


class Said(Exception):
    """An error of ours whose message is a sentence: `template` (marked with N_) filled with
    `fields`, so that the grader can say it in its language; str() is the English."""

    def __init__(self, template: str, **fields):
        self.template, self.fields = template, fields
        super().__init__(template.format(**fields) if fields else template)


class ProtocolError(Said):
    """A frame that breaks the protocol: malformed, oversized, or cut short."""


class Unsendable(Said, TypeError):
    """A value of a type that may not cross the boundary."""


# Sentences of the child's own (a value it cannot send, what child.py refuses): the child sends
# one as its template and fields, never as words, and the grader says it in its language only
# where the template is one of these (checking/session.py `child_said`).
VALUE_TOO_LARGE = N_("value too large to send ({size} bytes)")
VALUE_TOO_DEEP = N_("value nested too deeply")
KEY_TYPE = N_("dict key of type {type}")
VALUE_TYPE = N_("a value of type {type}")
TENSOR_LAYOUT = N_("a tensor of layout/dtype {layout}/{dtype}")
TENSOR_DTYPE = N_("a tensor of dtype {dtype}")
NOT_A_MODULE = N_("{symbol} gave a {type}, not a torch.nn.Module")
SHAPES_DIFFER = N_("the output has shape {output}, the target {target}")
UNKNOWN_LOSS = N_("unknown loss {kind}")
UNPRINTABLE = N_("(a message that could not be turned into text)")
UNREPORTABLE = N_("(what it raised could not be reported)")
CHILD_SENTENCES = frozenset({VALUE_TOO_LARGE, VALUE_TOO_DEEP, KEY_TYPE, VALUE_TYPE, TENSOR_LAYOUT, TENSOR_DTYPE,
                             NOT_A_MODULE, SHAPES_DIFFER, UNKNOWN_LOSS, UNPRINTABLE, UNREPORTABLE})


def encode(value) -> bytes:
    """One frame holding `value`."""
    return b"".join(part[1] if isinstance(part, tuple) else part for part in frame_parts(value))


def frame_parts(value) -> list:
    """One frame holding `value`, as buffers to send in turn: the lengths and the header, then
    each tensor's own memory, uncopied (AlexNet's 120 MB of weights would otherwise be copied
    four times over before the first byte leaves)."""
    blobs: list = []  # (tensor, a view of its bytes): the tensor keeps the memory alive while it is sent
    header = json.dumps({"v": _tree(value, blobs, 0), "blobs": [len(view) for _, view in blobs]}).encode()
    size = 4 + len(header) + sum(len(view) for _, view in blobs)
    if size > MAX_FRAME:
        raise Unsendable(VALUE_TOO_LARGE, size=size)
    return [_LEN.pack(size) + _LEN.pack(len(header)) + header, *blobs]


def _tree(value, blobs: list[bytes], depth: int):
    if depth > MAX_DEPTH:
        raise Unsendable(VALUE_TOO_DEEP)
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    import torch  # already loaded by whoever has a tensor to send; a dict lookup from here on

    if isinstance(value, torch.Tensor):
        return _tensor(value, blobs)
    if isinstance(value, (torch.dtype, torch.device)):
        return str(value)
    if isinstance(value, (tuple, torch.Size)):
        return {"$": "tuple", "items": [_tree(v, blobs, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_tree(v, blobs, depth + 1) for v in value]
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not isinstance(k, (str, int)):
                raise Unsendable(KEY_TYPE, type=type(k).__name__)
            items.append([_tree(k, blobs, depth + 1), _tree(v, blobs, depth + 1)])
        return {"$": "dict", "items": items}
    raise Unsendable(VALUE_TYPE, type=type(value).__name__)


def _tensor(t: torch.Tensor, blobs: list[bytes]) -> dict:
    import torch

    with torch._C.DisableTorchFunctionSubclass():  # a subclass is sent as its plain data
        t = torch.Tensor.as_subclass(t, torch.Tensor).detach().to("cpu").contiguous()
        if t.is_sparse or t.is_quantized or t.is_complex() and t.dtype != torch.complex64:
            raise Unsendable(TENSOR_LAYOUT, layout=str(t.layout), dtype=str(t.dtype))
        name = str(t.dtype).removeprefix("torch.")
        if name not in DTYPE_NAMES:
            raise Unsendable(TENSOR_DTYPE, dtype=str(t.dtype))
        blobs.append((t, _memory_of(t)))
    return {"$": "tensor", "dtype": name, "shape": list(t.shape), "blob": len(blobs) - 1}


def _memory_of(t: torch.Tensor) -> memoryview:
    """The bytes of a contiguous CPU tensor, uncopied; the caller keeps `t` alive while it uses them."""
    nbytes = t.numel() * t.element_size()
    return memoryview((ctypes.c_char * nbytes).from_address(t.data_ptr())).cast("B") if nbytes else memoryview(b"")


@dataclass(frozen=True)
class Caps:
    """What one frame may hold, checked before anything is built from it.

    The grader decodes what the sandbox sends under `UNTRUSTED`, so a frame a hostile child
    crafts costs it at most `frame_bytes` and a fraction of a second: the header's values are
    counted before JSON builds them, and each blob feeds one tensor (decoded bytes <= frame
    bytes). The bank's largest reply is AlexNet's weights: 120 MB, a 1.1 KB header, 107
    values, nested 6 deep.
    """

    frame_bytes: int = MAX_FRAME
    header_bytes: int = 1 << 20
    values: int = 100_000
    depth: int = MAX_DEPTH


UNTRUSTED = Caps()
FROM_GRADER = Caps(header_bytes=MAX_FRAME, values=MAX_FRAME)  # the child's view: sources travel in the header


def decode(body: bytes | bytearray | memoryview, caps: Caps = UNTRUSTED):
    """The value of one frame body (without its length prefix)."""
    view = memoryview(body)
    if len(view) > caps.frame_bytes:
        raise ProtocolError(N_("frame of {size} bytes is over the limit of {limit}"), size=len(view), limit=caps.frame_bytes)
    try:
        (hlen,) = _LEN.unpack_from(view)
    except struct.error:
        raise ProtocolError(N_("malformed frame (no header length)")) from None
    header, sizes = _header(view[4 : 4 + hlen], len(view) - 4, caps)
    blobs, pos = [], 4 + hlen
    for n in sizes:
        blobs.append(bytearray(view[pos : pos + n]))
        pos += n
    return _build(header, blobs, caps)


def _header(raw, rest: int, caps: Caps) -> tuple[dict, list[int]]:
    """The parsed header and its blob sizes, once `raw` and the sizes fit `caps` and the `rest`
    of the frame (header and blobs) exactly."""
    if len(raw) > caps.header_bytes:
        raise ProtocolError(N_("frame header of {size} bytes is over the limit of {limit}"), size=len(raw), limit=caps.header_bytes)
    raw = bytes(raw)
    # every value but the first follows a [ { , or : ; counting them in strings too makes this an
    # upper bound, found before JSON builds anything, that no honest reply comes near
    if sum(raw.count(c) for c in (b"[", b"{", b",", b":")) + 1 > caps.values:
        raise ProtocolError(N_("frame has more than {values} values"), values=caps.values)
    try:
        header = json.loads(raw)
        sizes = header["blobs"]
        if type(sizes) is not list or any(type(n) is not int or n < 0 for n in sizes):
            raise ProtocolError(N_("bad blob length"))
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError(N_("frame nested deeper than {depth}"), depth=caps.depth) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(N_("malformed frame ({kind})"), kind=type(exc).__name__) from None
    if len(raw) + sum(sizes) != rest:
        raise ProtocolError(N_("frame length does not match its blobs"))
    return header, sizes


def _build(header: dict, blobs: list, caps: Caps):  # blobs: bytearrays, or uint8 tensors for large ones
    try:
        return _Builder(blobs, caps).value(header["v"], 0)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError(N_("frame nested deeper than {depth}"), depth=caps.depth) from None
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError, OverflowError) as exc:
        raise ProtocolError(N_("malformed frame ({kind})"), kind=type(exc).__name__) from None


class _Builder:
    """Plain values from a parsed header; each blob becomes at most one tensor, without a copy."""

    def __init__(self, blobs: list, caps: Caps):
        self.blobs, self.caps, self.used = blobs, caps, set()

    def value(self, node, depth: int):
        if depth > self.caps.depth:  # as encode counts: no value deeper than MAX_DEPTH
            raise ProtocolError(N_("frame nested deeper than {depth}"), depth=self.caps.depth)
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.value(v, depth + 1) for v in node]
        if type(node) is not dict:
            raise ProtocolError(N_("unexpected JSON node"))
        tag = node["$"]
        if tag == "tuple":
            return tuple(self.value(v, depth + 1) for v in node["items"])
        if tag == "dict":
            return {_key(k): self.value(v, depth + 1) for k, v in node["items"]}
        if tag == "tensor":
            return self.tensor(node)
        raise ProtocolError(N_("unknown tag {tag}"), tag=repr(tag)[:40])

    def tensor(self, node) -> torch.Tensor:
        import torch

        dtype = dtypes()[node["dtype"]]
        shape, index = node["shape"], node["blob"]
        if (type(shape) is not list or len(shape) > 16 or any(type(n) is not int or n < 0 for n in shape)
                or math.prod(n for n in shape if n) > self.caps.frame_bytes):
            raise ProtocolError(N_("bad tensor shape"))
        if type(index) is not int or not 0 <= index < len(self.blobs) or index in self.used:
            raise ProtocolError(N_("bad blob index (each blob belongs to one tensor)"))
        self.used.add(index)
        blob = self.blobs[index]
        if math.prod(shape) * dtype.itemsize != len(blob):
            raise ProtocolError(N_("tensor bytes do not match its shape"))
        if not len(blob):
            return torch.empty(shape, dtype=dtype)
        if isinstance(blob, torch.Tensor):  # a large blob, read into torch memory: the view keeps it alive
            return blob.view(dtype).reshape(shape)
        return torch.frombuffer(blob, dtype=dtype).reshape(shape)


def _key(k):
    if type(k) not in (str, int):
        raise ProtocolError(N_("bad dict key"))
    return k


def widen(sock: socket.socket) -> None:
    """Larger socket buffers for a child's socket: 120 MB of weights crossed in 21 ms, not 36."""
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)


def send(sock: socket.socket, value) -> None:
    send_parts(sock, frame_parts(value))


def send_parts(sock: socket.socket, parts: list) -> None:
    """Send a frame made by `frame_parts`, its tensors straight from their memory."""
    for part in parts:
        sock.sendall(part[1] if isinstance(part, tuple) else part)


def recv(sock: socket.socket, deadline: float | None = None, caps: Caps = UNTRUSTED):
    """Read one frame; `deadline` is a time.monotonic() value. Raises TimeoutError, EOFError.

    The header is read and checked first, then each blob into its own buffer: nothing is
    allocated that the caps have not allowed, and tensors take their blobs without a copy.
    """
    (n,) = _LEN.unpack(_read(sock, 4, deadline))
    if n > caps.frame_bytes:
        raise ProtocolError(N_("frame of {size} bytes is over the limit of {limit}"), size=n, limit=caps.frame_bytes)
    if n < 4:
        raise ProtocolError(N_("malformed frame (no header length)"))
    (hlen,) = _LEN.unpack(_read(sock, 4, deadline))
    if hlen > n - 4:
        raise ProtocolError(N_("frame length does not match its header"))
    if hlen > caps.header_bytes:
        raise ProtocolError(N_("frame header of {size} bytes is over the limit of {limit}"), size=hlen, limit=caps.header_bytes)
    header, sizes = _header(_read(sock, hlen, deadline), n - 4, caps)
    return _build(header, [_read_blob(sock, size, deadline) for size in sizes], caps)


def _read_blob(sock: socket.socket, n: int, deadline: float | None):
    """A blob's bytes: a large one straight into an uninitialised torch buffer (a bytearray is
    zero-filled first: 120 MB of AlexNet weights written twice), a small one as a bytearray."""
    torch = sys.modules.get("torch")
    if torch is None or n < LARGE_BLOB:
        return _read(sock, n, deadline)
    buffer = torch.empty(n, dtype=torch.uint8)
    _read(sock, n, deadline, _memory_of(buffer))
    return buffer


def _read(sock: socket.socket, n: int, deadline: float | None, into: memoryview | None = None) -> bytearray | None:
    """Read exactly `n` bytes, into a new bytearray (returned) or into `into`."""
    buf = bytearray(n) if into is None else None
    view, got = memoryview(buf) if into is None else into, 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
        try:
            k = sock.recv_into(view[got:])
        except socket.timeout:
            raise TimeoutError from None
        except (ConnectionResetError, BrokenPipeError):
            k = 0
        if k == 0:
            raise EOFError
        got += k
    return buf
