"""The wire protocol: plain data round-trips, anything else is refused, nothing runs on decode."""

from __future__ import annotations

import json
import pickle
import struct

import pytest
import torch

from grader.sandbox import wire


def _body(frame: bytes) -> bytes:
    return frame[4:]


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, None, True, "x"], 3: (torch.arange(6.0).reshape(2, 3), torch.Size([2, 3])),
             "empty": torch.zeros(0, 4), "nan": float("nan")}
    back = wire.decode(_body(wire.encode(value)))
    assert back["a"] == [1, 2.5, None, True, "x"] and back[3][1] == (2, 3)
    assert torch.equal(back[3][0], value[3][0]) and back["empty"].shape == (0, 4)
    assert back["nan"] != back["nan"]


@pytest.mark.parametrize("dtype", sorted(wire.dtypes().values(), key=str))
def test_every_dtype_round_trips(dtype):
    t = (torch.arange(12) % 3).to(dtype).reshape(3, 4)
    back = wire.decode(_body(wire.encode(t)))
    assert back.dtype == dtype and torch.equal(back, t) and type(back) is torch.Tensor


def test_a_tensor_subclass_arrives_as_a_plain_tensor():
    class Liar(torch.Tensor):
        def __eq__(self, other):
            return True

    back = wire.decode(_body(wire.encode(torch.zeros(2).as_subclass(Liar))))
    assert type(back) is torch.Tensor and torch.equal(back, torch.zeros(2))


def test_other_objects_are_unsendable():
    class Boom:
        def __reduce__(self):
            return (print, ("unpickled!",))

    with pytest.raises(wire.Unsendable, match="Boom"):
        wire.encode(Boom())
    with pytest.raises(wire.Unsendable):
        wire.encode({(1, 2): 3})


def _frame(header: dict, blobs: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("!I", len(raw)) + raw + blobs


@pytest.mark.parametrize("body", [
    b"",
    b"\x00\x00\x00\x05abc",
    _frame({"v": {"$": "pickle", "data": "x"}, "blobs": []}),
    _frame({"v": {"$": "tensor", "dtype": "object", "shape": [1], "blob": 0}, "blobs": [8]}, b"\x00" * 8),
    _frame({"v": {"$": "tensor", "dtype": "float32", "shape": [3], "blob": 0}, "blobs": [8]}, b"\x00" * 8),
    _frame({"v": {"$": "tensor", "dtype": "float32", "shape": [-2], "blob": 0}, "blobs": [8]}, b"\x00" * 8),
    _frame({"v": 1, "blobs": [4]}),
    _frame({"v": {"$": "dict", "items": [[[1], 2]]}, "blobs": []}),
    b"\x00\x00\x00\x10" + b"[" * 100_000,
    _frame({"v": None, "blobs": []}, pickle.dumps(print)),
])
def test_malformed_frames_are_protocol_errors(body):
    with pytest.raises(wire.ProtocolError):
        wire.decode(body)
