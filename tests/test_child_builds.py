"""The child keeps the first build of a module and copies it for the exercise's later checks,
and trains with an SGD step of its own.

The copy must be what building again would give: the same weights, the generators left where
construction left them (so inputs drawn in the child after a build are the same), and
untouched by whatever a check did to its own copy. Tested on the child's server itself.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import torch

from grader.sandbox.child import Server, sgd_step

MODULE = """import random

import torch
from torch import nn

BUILT = []


class Net(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        BUILT.append(width)
        self.layer = nn.Linear(width, 3)
        self.jitter = random.random()


def draw():
    return torch.rand(5), random.random()
"""


def served(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    server = Server(folder)
    server.op_load(f"net_{name}.py", MODULE, seed=1)  # a module name of its own: the servers share sys.modules here
    return server


def handle(reply: dict) -> int:
    return reply["$handle"]


def state_of(server, handle):
    module = server.objects[handle]
    return [p.detach().clone() for p in module.parameters()], module.jitter


def test_a_second_build_is_the_first_one_again_with_the_generators_where_it_left_them(tmp_path):
    cached, fresh = served(tmp_path, "cached"), served(tmp_path, "fresh")
    first = handle(cached.op_build("Net", [4], {}, seed=7, device="cpu"))
    after_first = cached.op_call("draw", [], {})
    with torch.no_grad():  # a check changes its copy
        cached.objects[first].layer.weight.add_(100.0)
    second = handle(cached.op_build("Net", [4], {}, seed=7, device="cpu"))
    after_second = cached.op_call("draw", [], {})

    fresh.built = _Forgetful()  # the same server building every time
    again = handle(fresh.op_build("Net", [4], {}, seed=7, device="cpu"))
    after_again = fresh.op_call("draw", [], {})

    weights, jitter = state_of(cached, second)
    want_weights, want_jitter = state_of(fresh, again)
    assert all(torch.equal(a, b) for a, b in zip(weights, want_weights)) and jitter == want_jitter
    assert torch.equal(after_second[0], after_again[0]) and after_second[1] == after_again[1]
    assert torch.equal(after_first[0], after_second[0])
    assert cached.module.BUILT == [4], "the second build came from the kept copy"
    assert not torch.equal(cached.objects[first].layer.weight, cached.objects[second].layer.weight)


def test_another_seed_or_other_arguments_build_afresh(tmp_path):
    server = served(tmp_path, "seeds")
    one = handle(server.op_build("Net", [4], {}, seed=7, device="cpu"))
    other_seed = handle(server.op_build("Net", [4], {}, seed=8, device="cpu"))
    wider = handle(server.op_build("Net", [6], {}, seed=7, device="cpu"))
    assert server.module.BUILT == [4, 4, 6]
    assert not torch.equal(server.objects[one].layer.weight, server.objects[other_seed].layer.weight)
    assert server.objects[wider].layer.weight.shape == (3, 6)


def test_a_module_that_cannot_be_copied_is_built_each_time(tmp_path):
    server = served(tmp_path, "uncopyable")
    server.module.Net.__deepcopy__ = lambda self, memo: (_ for _ in ()).throw(TypeError("no copies"))
    server.op_build("Net", [4], {}, seed=7, device="cpu")
    server.op_build("Net", [4], {}, seed=7, device="cpu")
    assert server.module.BUILT == [4, 4]


class _Forgetful(dict):
    """A build cache that keeps nothing."""

    def __setitem__(self, key, value):
        pass


def test_the_childs_sgd_step_is_torch_optims_to_the_bit():
    torch.manual_seed(3)
    ours = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs = copy.deepcopy(ours)
    for net in (ours, theirs):
        net[2].bias.requires_grad_(False)  # a frozen parameter stays put in both
    x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(3):
        sgd_step(list(ours.parameters()), torch.nn.functional.cross_entropy(ours(x), y), 0.1)
        loss = torch.nn.functional.cross_entropy(theirs(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))


def test_the_zygote_warms_up_without_torch_dynamo():
    """Any use of torch.optim imports torch._dynamo: 0.8 s before every sandbox could start."""
    probe = ("import sys\nfrom grader.sandbox import zygote\nzygote.warm_up()\n"
             "print('torch._dynamo' in sys.modules, 'torch.optim' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert shown.stdout.split() == ["False", "True"], shown.stderr[-2000:]


def test_after_a_check_the_child_forgets_its_objects_and_never_reuses_a_handle(tmp_path):
    server = served(tmp_path, "forgetful")
    first = handle(server.op_build("Net", [4], {}, seed=7, device="cpu"))
    server.op_forget()
    assert not server.objects
    second = handle(server.op_build("Net", [4], {}, seed=7, device="cpu"))
    assert second != first and list(server.objects) == [second]
    try:
        server.op_mode(first, train=False)
    except KeyError:
        pass  # the child's server reports it as raised: the stale handle finds nothing
    else:
        raise AssertionError("a handle from the check before still worked")
