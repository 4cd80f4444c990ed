"""What the homotopy paths did, in words, on the equilibria page."""

from __future__ import annotations

import dataclasses

import numpy as np

from lstmdyn.equilibria import AutonomousLSTM, find_equilibrium
from lstmdyn.experiments.homotopies import paths_outcome, start_outcome


def test_path_outcomes_say_what_each_path_did():
    lstm = AutonomousLSTM.random(5, rng=np.random.default_rng(3))
    convex = find_equilibrium(lstm)
    assert convex.converged
    same = paths_outcome(convex, dataclasses.replace(convex, homotopy="paper"))
    assert "at the same equilibrium" in same
    moved = dataclasses.replace(convex, c=convex.c + 1e-3, homotopy="paper")
    assert "at a different equilibrium" in paths_outcome(convex, moved)
    failed = dataclasses.replace(convex, status="diverged", steps=17)
    assert "did not: it ended *diverged* after 17 steps" in paths_outcome(convex, failed)
    assert "cannot begin, even from 3 perturbed points" in start_outcome(
        dataclasses.replace(convex, status="singular", steps=0, retries=3))
    assert start_outcome(failed) == "the paper's homotopy ends with status *diverged* after 17 steps."
