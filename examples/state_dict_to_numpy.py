"""A trained nn.LSTM's weights in the NumPy code: same output, same h_n and c_n.

Run it next to lstm_numpy.py (from snippets/): python state_dict_to_numpy.py
"""

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_numpy import lstm_layers

torch.manual_seed(0)
model = torch.nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
                      proj_size=2, batch_first=True).eval()
# model.load_state_dict(torch.load("trained.pt"))  # a trained model: the same from here on

params = {name: value.detach().numpy() for name, value in model.state_dict().items()}
for name, value in params.items():
    print(f"{name:22} {value.shape}")

x = torch.randn(3, 5, 3)  # (B, T, D): three sequences, padded to five steps
lengths = [5, 2, 4]       # any order
with torch.no_grad():
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    packed_output, (h_n, c_n) = model(packed)
    output, _ = pad_packed_sequence(packed_output, batch_first=True)

ours, (ours_h_n, ours_c_n) = lstm_layers(x.numpy(), params, batch_first=True, lengths=lengths)

print("output", ours.shape, " h_n", ours_h_n.shape, " c_n", ours_c_n.shape)
print("output of sequence 1 (length 2), last step:", ours[1, -1])
for label, mine, theirs in (("output", ours, output), ("h_n", ours_h_n, h_n), ("c_n", ours_c_n, c_n)):
    print(f"max |numpy - torch| {label:6} = {np.abs(mine - theirs.numpy()).max():.1e}")
