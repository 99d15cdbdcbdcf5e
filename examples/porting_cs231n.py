"""CS231n's LSTM weights in the book's code, and what a missed swap costs.

Run it next to lstm_numpy.py (from snippets/): python porting_cs231n.py
The inputs and expected values are those of CS231n's LSTM_Captioning notebook (its test of
lstm_step_forward): Wx (D, 4H) and Wh (H, 4H) multiply row vectors, gate blocks i, f, o, g.
"""

import numpy as np

from lstm_numpy import lstm_cell, lstm_from_cs231n

N, D, H = 3, 4, 5
x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
prev_h = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
prev_c = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
Wx = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
Wh = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
b = np.linspace(0.3, 0.7, num=4 * H)
expected_next_h = np.asarray([  # printed in the notebook
    [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
    [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
    [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]])

try:  # CS231n's arrays as they are: the shapes give the transpose away
    lstm_cell(x, prev_h, prev_c, Wx, Wh, b, np.zeros_like(b))
except ValueError as error:
    print("ValueError:", error)

params = lstm_from_cs231n(Wx, Wh, b)
print({name: value.shape for name, value in params.items()})

mistakes = {
    "lstm_from_cs231n": params,
    "transposed, o and g not swapped": {"weight_ih": Wx.T, "weight_hh": Wh.T, "bias_ih": b, "bias_hh": 0 * b},
    "b passed as both biases": dict(params, bias_hh=params["bias_ih"]),
}
for label, p in mistakes.items():
    next_h, next_c = lstm_cell(x, prev_h, prev_c, **p)
    print(f"{label:32} max |next_h - expected| = {np.abs(next_h - expected_next_h).max():.1e}")
