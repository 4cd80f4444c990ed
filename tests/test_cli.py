"""The command line: the science verb without the book, the book verbs with it, one-line errors."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, lstmdyn


def test_the_command_line_sweep_runs_the_smoke_members_and_skips_them_the_second_time(tmp_path):
    command = [sys.executable, "-m", "lstmdyn", "sweep", "mocap", "--profile", "smoke", "--results", str(tmp_path),
               "--workers", "2"]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "4 members, 4 finished" in first.stdout
    assert first.stdout.count("finished in") == 4  # one line per member
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert "4 members, 4 finished" in second.stdout and "finished in" not in second.stdout


def test_an_unknown_notebook_is_bad_input(tmp_path):
    out = lstmdyn("run", "no_such_chapter", cwd=ROOT)
    assert out.returncode == 2 and out.stderr.startswith("error: unknown notebook 'no_such_chapter'")


def test_the_profile_parameter_is_set_by_the_profile_only():
    out = lstmdyn("run", "lyapunov", "-p", "profile", "paper", cwd=ROOT)
    assert out.returncode == 2 and "choose it with --profile" in out.stderr
