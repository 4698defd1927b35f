"""The child server: imports the student's module and runs what the grader asks, nothing more.

Each request names an operation on the student's objects (call a function, build a
module, run forward, read or load parameters, trace shapes, backward, train); each reply
is plain data or a description of what the student's code raised. No verdict is computed
here and no expected value ever arrives here.
"""

from __future__ import annotations

import copy
import importlib
import random
import socket
import sys
import traceback
from pathlib import Path

import torch
import torch.nn.functional as F

from grader.sandbox import wire

MESSAGE_LIMIT = 400


class Missing(LookupError):
    """A symbol the check asked for is not in the student's module (its name is the message)."""


class Server:
    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.module = None
        self.path = ""
        self.objects: dict[int, object] = {}  # what the current check built or was given, by handle
        self.handles = 0  # handles are never reused: a stale one finds nothing
        self.devices: dict[int, str] = {}  # where each module was built or moved: its inputs go there
        self.built: dict[str, tuple] = {}  # build request -> (untouched module, generator states after it)

    # -- operations: each returns a plain value or raises (the student's fault) ----------
    def op_load(self, file: str, source: str, seed: int, companions: dict | None = None):
        for name, text in (companions or {}).items():  # the submission's other modules, for its imports
            if name == Path(name).name and name.endswith(".py") and name != file:
                (self.scratch / name).write_text(text)
        self.path = str(self.scratch / file)
        Path(self.path).write_text(source)
        sys.path.insert(0, str(self.scratch))
        _seed(seed)
        self.module = importlib.import_module(Path(file).stem)
        return None

    def op_call(self, symbol: str, args: list, kwargs: dict, seed: int | None = None):
        if seed is not None:
            _seed(seed)
        result = self._symbol(symbol)(*args, **kwargs)
        return self._handle(result) if isinstance(result, torch.nn.Module) else result

    def op_build(self, symbol: str, args: list, kwargs: dict, seed: int, device: str):
        key = repr((symbol, args, kwargs, seed))
        if key in self.built:  # the same build again: a copy of the first, the generators as it left them
            pristine, torch_state, random_state = self.built[key]
            module = copy.deepcopy(pristine)
            torch.set_rng_state(torch_state)
            random.setstate(random_state)
            return self._handle(module.to(device), device)
        _seed(seed)
        target = self._symbol(symbol)
        if isinstance(target, torch.nn.Module):
            module = copy.deepcopy(target)  # each check gets its own copy of a module-level net
        else:
            module = target(*args, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise _said(TypeError, wire.NOT_A_MODULE, symbol=symbol, type=type(module).__name__)
        self._keep(key, module)
        return self._handle(module.to(device), device)

    def _keep(self, key: str, module: torch.nn.Module) -> None:
        """Keep an untouched copy of a built module, so the exercise's next checks skip building it.

        An AlexNet takes 0.1 s to build and 0.04 s to copy. What the grader concludes never rests
        on this: it is the child's own shortcut, and the checks judge outputs as before.
        """
        try:
            self.built[key] = (copy.deepcopy(module), torch.get_rng_state(), random.getstate())
        except Exception:  # noqa: BLE001 - a module that cannot be copied is built afresh each time
            pass

    def op_forget(self):
        """Drop what the check before built (a handle lives for one check), so that its memory
        serves the next check's copies instead of fresh pages (the zygote's malloc settings)."""
        self.objects.clear()
        self.devices.clear()
        return None

    def op_forward(self, handle: int, args: list, kwargs: dict, grad: bool = False):
        module = self.objects[handle]
        args, kwargs = self._inputs(handle, args), self._inputs(handle, kwargs)
        with torch.set_grad_enabled(grad):
            return module(*args, **kwargs)

    def op_parameters(self, handle: int, values: bool):
        params = list(self.objects[handle].parameters())
        return [p if values else tuple(p.shape) for p in params]

    def op_load_parameters(self, handle: int, tensors: list):
        params = list(self.objects[handle].parameters())
        with torch.no_grad():
            for p, t in zip(params, tensors, strict=True):
                p.copy_(t)
        return None

    def op_filled_forwards(self, handle: int, args: list, fillings: list):
        """Forward without gradients under each filling of all the module's parameters in turn,
        each on a fresh copy of `args` (a forward may change a state it is given). The last
        filling stays loaded; a forward that raises ends the request (the grader then tries
        those fillings one by one)."""
        module, outputs = self.objects[handle], []
        args = self._inputs(handle, args)
        for tensors in fillings:
            self.op_load_parameters(handle, tensors)
            with torch.no_grad():
                outputs.append(module(*copy.deepcopy(args)))
        return outputs

    def op_nudged_forwards(self, handle: int, args: list, nudges: list):
        """Forward under each of the grader's nudges in turn: add its deltas at flat positions of
        one parameter, run forward without gradients, take them off again (up to rounding)."""
        module, outputs = self.objects[handle], []
        params = list(module.parameters())
        args = self._inputs(handle, args)
        with torch.no_grad():
            for index, positions, deltas in nudges:
                flat = params[index].view(-1)
                positions, deltas = positions.to(flat.device), deltas.to(flat.device, flat.dtype)
                flat.index_add_(0, positions, deltas)
                try:
                    outputs.append(module(*args))
                finally:
                    flat.index_add_(0, positions, -deltas)
        return outputs

    def op_attribute(self, handle: int, name: str):
        return getattr(self.objects[handle], name)

    def op_mode(self, handle: int, train: bool):
        self.objects[handle].train(train)
        return None

    def op_to(self, handle: int, device: str):
        self.objects[handle].to(device)
        self.devices[handle] = device
        return None

    def op_trace(self, handle: int, args: list):
        """Output shapes of the leaf modules, in the order they ran."""
        module, shapes = self.objects[handle], []

        def hook(mod, _inputs, output):
            if isinstance(output, torch.Tensor):
                shapes.append((type(mod).__name__, tuple(output.shape)))

        leaves = [m for m in module.modules() if not list(m.children())]
        hooks = [m.register_forward_hook(hook) for m in leaves]
        try:
            with torch.no_grad():
                module(*self._inputs(handle, args))
        finally:
            for h in hooks:
                h.remove()
        return shapes

    def op_gradients(self, handle: int, args: list, loss: str, target=None):
        module = self.objects[handle]
        module.zero_grad(set_to_none=True)
        _loss(loss, module(*self._inputs(handle, args)), self._inputs(handle, target)).backward()
        return [p.grad for p in module.parameters()]

    def op_train(self, handle: int, args: list, target, loss: str, steps: int, lr: float, seed: int):
        _seed(seed)
        module = self.objects[handle]
        args, target = self._inputs(handle, args), self._inputs(handle, target)
        params = list(module.parameters())
        losses = []
        for _ in range(steps):
            value = _loss(loss, module(*args), target)
            sgd_step(params, value, lr)
            losses.append(float(value.detach()))
        return losses

    # -- plumbing ----------------------------------------------------------------------
    def _symbol(self, symbol: str):
        name = symbol.rsplit(":", 1)[-1]
        if self.module is None or not hasattr(self.module, name):
            raise Missing(name)  # the grader says it, in its language: "conv.py does not define corr2d"
        return getattr(self.module, name)

    def _handle(self, obj, device: str | None = None) -> dict:
        self.handles += 1
        self.objects[self.handles] = obj
        if device is not None:
            self.devices[self.handles] = device
        return {"$handle": self.handles, "type": type(obj).__name__}

    def _inputs(self, handle: int, value):
        """`value` with every tensor in it (nested lists, tuples, dicts) on the module's device."""
        return _to(self.devices.get(handle) or _device_of(self.objects[handle]), value)

    def fault(self, exc: BaseException) -> dict:
        """What the student's code raised, with their own traceback lines only. A SyntaxError's
        message is Python's words alone (`msg`, its line apart), which the grader says in its language."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == self.path]
        fault = {"type": type(exc).__name__[:80], "file": Path(self.path).name,
                 "line": frames[-1].lineno if frames else None, "said": said(exc)}
        try:
            fault["message"] = str(exc.msg if isinstance(exc, SyntaxError) else exc)[:MESSAGE_LIMIT]
        except BaseException:
            fault["message"], fault["said"] = "", {"template": wire.UNPRINTABLE, "fields": {}}
        if isinstance(exc, SyntaxError):
            fault["line"] = exc.lineno
        if isinstance(exc, SystemExit):
            fault["code"] = exc.code if isinstance(exc.code, int) else 1
        return fault


def _said(kind: type[Exception], template: str, **fields) -> Exception:
    """An exception of `kind` whose message is one of the child's own sentences (wire.CHILD_SENTENCES)."""
    exc = kind(template.format(**fields))
    exc.template, exc.fields = template, fields
    return exc


def said(exc: BaseException) -> dict | None:
    """The child's own sentence that `exc` says, as its template and fields (plain ints and short
    texts), for the grader to say in its language; None for any other exception."""
    try:
        template, fields = getattr(exc, "template", None), getattr(exc, "fields", None)
    except BaseException:  # the student's exception, its attributes the student's too
        return None
    if type(template) is not str or template not in wire.CHILD_SENTENCES or type(fields) is not dict:
        return None
    return {"template": template,
            "fields": {str(k)[:40]: v if type(v) is int else str(v)[:MESSAGE_LIMIT] for k, v in fields.items()}}


def sgd_step(params: list[torch.Tensor], loss: torch.Tensor, lr: float) -> None:
    """One step of plain SGD, as torch.optim.SGD(params, lr) takes it: grads cleared to None,
    backward, then each parameter with a gradient moves by -lr times it. Written out because
    any use of torch.optim imports torch._dynamo, 0.8 s of every sandbox's start."""
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-lr)


def _seed(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)


def _device_of(module: torch.nn.Module):
    for p in module.parameters():
        return p.device
    return None


def _to(device, value):
    if device is None:
        return value
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if type(value) in (list, tuple):
        return type(value)(_to(device, v) for v in value)
    if type(value) is dict:
        return {k: _to(device, v) for k, v in value.items()}
    return value


def _loss(kind: str, output: torch.Tensor, target):
    if kind == "sum":
        return output.sum()
    if kind == "squared_error":
        if output.shape != target.shape:
            raise _said(ValueError, wire.SHAPES_DIFFER, output=str(tuple(output.shape)), target=str(tuple(target.shape)))
        return ((output - target) ** 2).sum()
    if kind == "cross_entropy":
        return F.cross_entropy(output, target)
    raise _said(ValueError, wire.UNKNOWN_LOSS, kind=repr(kind))


def serve(sock: socket.socket, scratch: Path) -> None:
    server = Server(scratch)
    while True:
        try:
            request = wire.recv(sock, caps=wire.FROM_GRADER)  # the grader sends sources in the header
        except (EOFError, wire.ProtocolError):
            return
        try:
            reply = {"ok": getattr(server, "op_" + request["op"])(**request["args"])}
            frame = wire.frame_parts(reply)
        except Missing as exc:
            frame = wire.frame_parts({"missing": str(exc)[:MESSAGE_LIMIT]})
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
            try:
                if isinstance(exc, wire.Unsendable):
                    frame = wire.frame_parts({"unsendable": {"message": str(exc)[:MESSAGE_LIMIT], "said": said(exc)}})
                else:
                    frame = wire.frame_parts({"raised": server.fault(exc)})
            except BaseException:
                frame = wire.frame_parts({"raised": {"type": "Exception", "message": "",
                                                     "said": {"template": wire.UNREPORTABLE, "fields": {}}}})
        wire.send_parts(sock, frame)
