"""The rnn page's claims about products of Jacobians (Pascanu et al. 2013): norms below 1 are
sufficient for vanishing; a norm above 1 is necessary for exploding, but not sufficient."""

import numpy as np
import pytest
import torch

from snippets import rnn_numpy, rnn_torch


def spectral(matrix):
    return np.linalg.norm(matrix, 2)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_norms_below_gamma_shrink_the_product_at_least_like_gamma_to_the_k(framework):
    rng = np.random.default_rng(0)
    H, k, gamma = 6, 30, 0.9
    W_hh = rng.normal(size=(H, H))
    W_hh *= gamma / spectral(W_hh)  # largest singular value exactly 0.9
    product = np.eye(H)
    for _ in range(k):
        h_t = np.tanh(rng.normal(size=(1, H)))  # any state: tanh' <= 1 only shrinks further
        if framework == "numpy":
            jacobian = rnn_numpy.rnn_jacobian(h_t, W_hh)[0]
        else:
            jacobian = rnn_torch.rnn_jacobian(torch.from_numpy(h_t), torch.from_numpy(W_hh))[0].numpy()
        assert spectral(jacobian) <= gamma + 1e-12
        product = product @ jacobian
    assert spectral(product) <= gamma ** k


def test_a_norm_above_1_does_not_make_the_product_grow():
    W_hh = np.array([[0.0, 2.0], [0.0, 0.0]])  # norm 2, but W_hh @ W_hh = 0
    jacobian = rnn_numpy.rnn_jacobian(np.zeros((1, 2)), W_hh)[0]  # at h = 0, tanh' = 1
    assert spectral(jacobian) == pytest.approx(2.0)
    assert spectral(jacobian @ jacobian) == 0.0
    # a norm above 1 is what growth needs: the same norm along one direction does grow
    growing = rnn_numpy.rnn_jacobian(np.zeros((1, 2)), np.diag([2.0, 0.0]))[0]
    assert spectral(np.linalg.matrix_power(growing, 10)) == pytest.approx(2.0 ** 10)
