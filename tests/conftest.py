"""Shared fixtures: the device parametrization and strict float comparisons."""

import numpy as np
import pytest
import torch

from .browser import browser, server  # noqa: F401  (one Chromium and one served site per session)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `--dist loadgroup` group again. pytest 9.2 keeps a node's id in `_id`; pytest-xdist
    3.8.0 (the latest) still appends `@group` to `_nodeid`, which pytest no longer reads, so
    every `xdist_group` mark was silently ignored and a module or session fixture meant to run
    once (a shared planted build, the rebuild driver) ran on both workers. On a worker, after
    xdist's own hook, this appends the group to the id the scheduler groups by."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")

# Comparisons against float64 NumPy must not run through TF32 on Ampere/Hopper GPUs.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device on this machine")),
]

# Tolerances of issue #2: max absolute error against torch.nn.
TOLERANCE = {torch.float64: 1e-10, torch.float32: 2e-5}


@pytest.fixture(params=DEVICES)
def device(request):
    return torch.device(request.param)


def as_numpy(tensor):
    return tensor.detach().cpu().numpy()


def max_error(ours, reference):
    """max |ours - reference| for NumPy arrays or tensors on any device."""
    if isinstance(ours, torch.Tensor):
        ours = as_numpy(ours)
    if isinstance(reference, torch.Tensor):
        reference = as_numpy(reference)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    assert ours.dtype == reference.dtype, (ours.dtype, reference.dtype)
    return float(np.max(np.abs(ours.astype(np.float64) - reference.astype(np.float64)), initial=0.0))
