"""The sLSTM's exponential input gate with and without the stabiliser m_t, in float32.

Run it next to xlstm_numpy.py (from snippets/): python slstm_overflow.py
One step from an empty memory, f̃ = z̃ = õ = 1, for growing input-gate pre-activations ĩ.
Without m_t, i_t = exp(ĩ) overflows float32 (largest value about 3.4e38) at ĩ ≈ 88.7: then
c_t = n_t = inf and h_t = inf / inf = nan. With m_t, c_t and n_t are kept divided by e^(m_t),
and h_t is the same for every ĩ: o_t tanh(z̃) = σ(1) tanh(1).
"""

import numpy as np

from xlstm_numpy import slstm_step, slstm_step_unstabilized

pre_i = np.array([[1.0, 10.0, 50.0, 88.0, 89.0, 100.0, 1000.0]], dtype=np.float32)
ones = np.ones_like(pre_i)
empty = np.zeros_like(pre_i)

with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point here
    h_raw, c_raw, n_raw = slstm_step_unstabilized(pre_i, ones, ones, ones, empty, empty)
h, c, n, m = slstm_step(pre_i, ones, ones, ones, empty, empty, np.full_like(pre_i, -np.inf))

print(f"{'ĩ':>7} | {'n_t without m_t':>16} {'h_t without m_t':>16} | {'m_t':>7} {'n_t':>4} {'h_t':>8}")
for k in range(pre_i.shape[1]):
    print(f"{pre_i[0, k]:7.0f} | {n_raw[0, k]:16.4g} {h_raw[0, k]:16.6f} | {m[0, k]:7.0f} {n[0, k]:4.0f} {h[0, k]:8.6f}")
