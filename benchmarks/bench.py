"""What the benchmark scripts share: the device, thread and output options, and the line that says how a run is set."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"  #: the files the performance page reads


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with ``--device cpu|cuda``, ``--threads`` (default 1) and ``--output``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="directory of the results file (default benchmarks/results)")
    return parser


def start(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the arguments, refuse ``--device cuda`` without a GPU, pin PyTorch's threads and print the set-up."""
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is visible to PyTorch")
    torch.set_num_threads(args.threads)
    gpu = f" ({torch.cuda.get_device_name()})" if args.device == "cuda" else ""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s) (pinned), {os.cpu_count()} cores, "
          f"device {args.device}{gpu}")
    return args
