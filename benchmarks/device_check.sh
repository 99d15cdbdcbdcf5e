#!/usr/bin/env bash
# One run on a lent CUDA machine (no MkDocs there), under about 9 minutes on an H100: the snippet tests
# with their CUDA parametrization (fast paths included), the fast paths against cuDNN
# (benchmarks/gpu_speed.py writes book/results/gpu-speed.json into the repository, so it comes back),
# then snippet speed against cuDNN and against torch.nn on its CPU.
# Every step has a time limit (timeout kills the step and its worker processes); a compiled variant
# that cannot finish in its share is recorded as skipped, with the reason, in gpu-speed.json.
# Usage, from the repository root on that machine: bash benchmarks/device_check.sh
set -uo pipefail
export PYTHONUNBUFFERED=1
python3 -c "import torch, numpy; print('torch', torch.__version__, '| numpy', numpy.__version__, '|', torch.cuda.get_device_name())"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
SECONDS=0
# One compile thread per pytest worker: 8 workers, each compiling its own small graphs.
TORCHINDUCTOR_COMPILE_THREADS=1 timeout -k 10 210 python3 -m pytest -q -p no:cacheprovider -n 8 tests/test_formulas.py tests/test_against_torch_nn.py \
  tests/test_claims.py tests/test_bad_input.py tests/test_snippet_files.py tests/test_plots.py tests/test_backward.py \
  tests/test_fast_paths.py 2>&1 | tail -20
echo "tests: ${SECONDS} s"
BUDGET=$(( 450 - SECONDS ))  # what the tests left of 7.5 minutes; the old benchmarks below take the rest
timeout -k 10 $(( BUDGET + 30 )) python3 benchmarks/gpu_speed.py --device cuda --repeat 30 --budget-s $BUDGET
echo "gpu_speed: ${SECONDS} s"
timeout -k 5 25 python3 benchmarks/snippets_speed.py --device cuda --repeat 30
timeout -k 5 25 python3 benchmarks/snippets_speed.py --device cpu --repeat 10
timeout -k 5 25 python3 benchmarks/backward_speed.py --device cuda --repeat 20
echo "device_check: ${SECONDS} s"
