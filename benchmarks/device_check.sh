#!/usr/bin/env bash
# One run on a lent CUDA machine (no MkDocs there): the snippet tests with their CUDA
# parametrization, then snippet speed against cuDNN and against torch.nn on its CPU.
# Usage, from the repository root on that machine: bash benchmarks/device_check.sh
set -uo pipefail
export PYTHONUNBUFFERED=1
python3 -c "import torch, numpy; print('torch', torch.__version__, '| numpy', numpy.__version__, '|', torch.cuda.get_device_name())"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -m pytest -q -p no:cacheprovider -n 8 tests/test_formulas.py tests/test_against_torch_nn.py \
  tests/test_claims.py tests/test_bad_input.py tests/test_snippet_files.py tests/test_plots.py tests/test_backward.py 2>&1 | tail -15
python3 benchmarks/snippets_speed.py --device cuda --repeat 30
python3 benchmarks/snippets_speed.py --device cpu --repeat 10
python3 benchmarks/backward_speed.py --device cuda --repeat 20
