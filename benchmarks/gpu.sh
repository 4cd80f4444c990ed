#!/usr/bin/env bash
# One prepared run on a machine with a CUDA GPU: the tests of the captured Lyapunov step, then the GPU
# benchmarks, each with its own time limit, so that one failure leaves the others' results. Writes the
# results files and a log to $OUT (the device tool's output folder) or, without it, to benchmarks/results.
#
#   bash benchmarks/gpu.sh
#
# The machine needs PyTorch with CUDA and the package's dependencies; wheels in .whl/ (for Dask and pooch,
# say) are installed first, and the data sets are read from .gpu/data (a copy of the ones it needs), or from
# $LSTMDYN_DATA where set.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results}
mkdir -p "$out"
log="$out/gpu.log"
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export LSTMDYN_DATA=${LSTMDYN_DATA:-$PWD/.gpu/data}
step() {  # step SECONDS NAME COMMAND...: run one part with its limit, log it, go on whatever it returns
    local limit=$1 name=$2
    shift 2
    local start=$SECONDS
    echo "=== $name" | tee -a "$log"
    timeout "$limit" "$@" >>"$log" 2>&1
    echo "=== $name: exit $? after $((SECONDS - start)) s" | tee -a "$log"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee -a "$log"
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())" | tee -a "$log"
step 90 "captured-step tests" python3 -m pytest -q -p no:cacheprovider --noconftest tests/test_lyapunov.py \
    -k "captured or window or cholesky or saturated"
step 180 "benchmarks/lyapunov.py --device cuda" python3 benchmarks/lyapunov.py --device cuda --output "$out"
step 190 "benchmarks/sweep_member.py --device cuda" python3 benchmarks/sweep_member.py --device cuda --output "$out"
step 60 "ensemble equality tests" python3 -m pytest -q -p no:cacheprovider --noconftest tests/test_ensembles.py
step 240 "benchmarks/ensembles.py --device cuda --sizes paper" python3 benchmarks/ensembles.py --device cuda \
    --sizes paper --members 1,8,16,32,66 --batches 20 --output "$out"
step 100 "benchmarks/paper_profile.py --device cuda" python3 benchmarks/paper_profile.py --device cuda --output "$out"
grep -E "^===|passed|failed|written" "$log"
