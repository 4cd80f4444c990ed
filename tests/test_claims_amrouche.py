"""The claims of Amrouche et al.: each criterion fed values on both sides of its threshold."""

from __future__ import annotations

import numpy as np
import pytest

from lstmdyn.experiments.claims_amrouche import (
    CLAIMS,
    mnist_rises,
    nottingham_crosses,
    ptb_near_circle,
    published_ptb,
    task_ordering,
)

STEPS = [0, 200, 400, 600]


LOSS = [float("nan"), 2.0, 0.5, 0.01]  # flattens at the last checkpoint (below 1 % of 2.0)


@pytest.mark.parametrize(("final", "verdict"), [(0.81, "reproduced"), (0.829, "reproduced"), (0.831, "partly"),
                                                (0.70, "partly")])
def test_mnist_needs_a_rise_to_within_the_tolerance_of_081(final, verdict):
    assert mnist_rises([(STEPS, [0.3, 0.5, 0.6, final], LOSS)]).verdict == verdict  # one seed: the floor, 0.02


def test_mnist_without_a_rise_is_not_reproduced_away_from_081_and_partly_near_it():
    assert mnist_rises([(STEPS, [0.95, 0.9, 0.85, 0.7], LOSS)]).verdict == "not reproduced"
    assert mnist_rises([(STEPS, [0.95, 0.9, 0.85, 0.81], LOSS)]).verdict == "partly"


def test_mnist_reads_the_radius_where_the_loss_flattens_not_at_the_end():
    early = [float("nan"), 2.0, 0.001, 0.001]  # flat from the second checkpoint on
    assert mnist_rises([(STEPS, [0.3, 0.6, 0.81, 1.1], early)]).verdict == "reproduced"
    assert mnist_rises([(STEPS, [0.3, 0.6, 0.81, 1.1], LOSS)]).verdict == "partly"


def test_mnist_tolerance_grows_with_the_spread_over_seeds():
    runs = [(STEPS, [0.3, 0.5, 0.6, final], LOSS) for final in (0.80, 0.90, 1.00)]  # mean 0.90, sd 0.082
    outcome = mnist_rises(runs)
    assert outcome.verdict == "reproduced" and "over 3 seeds" in outcome.measured and "0.163" in outcome.criterion
    tight = [(STEPS, [0.3, 0.5, 0.6, final], LOSS) for final in (0.89, 0.90, 0.91)]
    assert mnist_rises(tight).verdict == "partly"


@pytest.mark.parametrize(("pair", "verdict"), [
    ([0.995, 0.985], "reproduced"), ([0.995, 0.979], "not reproduced"), ([0.999, 0.981], "reproduced"),
    ([0.99 * np.exp(0.2j), 0.99 * np.exp(-0.2j)], "not reproduced"),  # moduli 0.99, real parts 0.97
])
def test_ptb_needs_two_moduli_and_real_parts_near_099(pair, verdict):
    eigenvalues = np.array([*pair, 0.5, -0.3], dtype=complex)
    assert ptb_near_circle([eigenvalues]).verdict == verdict
    assert published_ptb(eigenvalues).verdict == verdict  # one criterion for the trained and the published network


def test_the_published_network_names_the_moduli_near_the_claim_when_the_largest_are_not():
    outcome = published_ptb(np.array([1.19, 1.19, 0.99, 0.984, 0.3]))
    assert outcome.verdict == "not reproduced" and "0.990 and 0.984, are the ones near 0.99" in outcome.measured


@pytest.mark.parametrize(("radii", "reals", "verdict"), [
    ([0.9, 1.02], [0.5, 0.6], "reproduced"), ([0.9, 0.99], [0.5, 0.6], "not reproduced"),
    ([0.9, 1.02], [0.5, 1.02], "not reproduced")])
def test_nottingham_needs_the_radius_above_one_and_every_real_part_below(radii, reals, verdict):
    assert nottingham_crosses([(radii, reals)]).verdict == verdict


@pytest.mark.parametrize(("radii", "verdict"), [
    ((0.8, 0.95, 1.02), "reproduced"), ((0.8, 1.1, 1.0), "partly"), ((0.9, 0.8, 1.0), "partly"),
    ((1.07, 0.84, 1.0), "not reproduced"), ((0.9, 0.9, 0.95), "partly")])
def test_the_ordering_is_strict_and_counts_the_pairs_in_order(radii, verdict):
    outcome = task_ordering(dict(zip(("mnist", "ptb", "nottingham"), radii, strict=True)))
    assert outcome.verdict == verdict and outcome.key == "amrouche.ordering"


def test_every_claim_is_judged_in_one_of_the_book_chapters():
    assert {claim.chapter for claim in CLAIMS.values()} == {"equilibria", "equilibria_training"}
    assert all(key.startswith("amrouche.") for key in CLAIMS)


def test_mnist_boundaries_a_rise_strictly_above_its_threshold_and_a_distance_up_to_the_tolerance():
    """At the boundaries themselves, with values exact in binary: a ρ equal to the threshold is no rise; a mean
    exactly the tolerance away from the claim is near it; a loss exactly at the fraction has not flattened."""
    from lstmdyn.experiments.claims_amrouche import flattening, rise

    radii = [0.3, 0.5, 0.4, 0.75]
    at = rise(STEPS, radii)
    assert mnist_rises([(STEPS, radii, LOSS)], claimed=0.75, rising=at).verdict == "partly"  # near, no rise above
    assert mnist_rises([(STEPS, radii, LOSS)], claimed=0.75, rising=at - 1e-9).verdict == "reproduced"
    assert mnist_rises([(STEPS, radii, LOSS)], claimed=0.5, floor=0.25).verdict == "reproduced"  # |0.75 − 0.5| = 0.25
    assert mnist_rises([(STEPS, radii, LOSS)], claimed=0.5, floor=0.1875).verdict == "partly"
    assert flattening([float("nan"), 1.0, 0.25, 0.125], fraction=0.25) == 3  # 0.25 is not below 0.25 × 1.0
    assert flattening([float("nan"), 1.0, 0.25 - 2 ** -20, 0.125], fraction=0.25) == 2


def test_nottingham_a_radius_of_exactly_one_does_not_cross_and_a_real_part_of_exactly_one_is_not_below():
    assert nottingham_crosses([([0.9, 1.0], [0.5, 0.6])]).verdict == "not reproduced"
    assert nottingham_crosses([([0.9, 1.02], [0.5, 1.0])]).verdict == "not reproduced"
    assert nottingham_crosses([([0.9, 1.0 + 2 ** -40], [0.5, 1.0 - 2 ** -40])]).verdict == "reproduced"


def test_ptb_takes_the_two_eigenvalues_of_largest_modulus_in_whatever_order_they_come():
    shuffled = np.array([0.5, -0.3, 0.995, 0.2j, 0.985], dtype=complex)
    assert ptb_near_circle([shuffled]).verdict == "reproduced" and published_ptb(shuffled).verdict == "reproduced"
