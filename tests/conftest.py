"""Shared fixtures: the device parametrization and strict float comparisons."""

import numpy as np
import pytest
import torch

from .browsing import browser, server  # noqa: F401 - shared by all browser tests

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
