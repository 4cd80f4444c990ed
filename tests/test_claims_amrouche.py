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


@pytest.mark.parametrize(("final", "verdict"), [(0.81, "reproduced"), (0.76, "reproduced"), (0.86, "reproduced"),
                                                (0.759, "partly"), (0.861, "partly"), (0.70, "partly")])
def test_mnist_about_081_is_a_fixed_band_from_076_to_086(final, verdict):
    assert mnist_rises([(STEPS, [0.3, 0.5, 0.6, final], LOSS)]).verdict == verdict


def test_mnist_a_noisy_setting_does_not_pass_more_easily():
    """Seeds ending at 0.94, 1.12 and 1.30 (mean 1.12, sd 0.15): far from 0.81 however much they spread."""
    runs = [(STEPS, [0.3, 0.5, 0.6, final], LOSS) for final in (0.94, 1.12, 1.30)]
    outcome = mnist_rises(runs)
    assert outcome.verdict == "partly" and "about: no" in outcome.measured and "[0.76, 0.86]" in outcome.criterion


def test_mnist_the_moduli_must_not_reach_the_unit_circle_at_any_checkpoint():
    """Both halves of the sentence: a seed that rises through 1 and ends at 0.81 holds the first, not the second."""
    assert mnist_rises([(STEPS, [0.3, 0.6, 1.02, 0.81], LOSS)]).verdict == "partly"
    assert mnist_rises([(STEPS, [0.3, 0.6, 0.999, 0.81], LOSS)]).verdict == "reproduced"
    assert mnist_rises([(STEPS, [0.3, 0.6, 1.0, 0.81], LOSS)]).verdict == "partly"  # reaching 1 is reaching it


def test_mnist_without_a_rise_is_partly_near_081_and_not_reproduced_when_nothing_holds():
    assert mnist_rises([(STEPS, [0.95, 0.9, 0.85, 0.7], LOSS)]).verdict == "partly"  # below 1 still holds
    assert mnist_rises([(STEPS, [1.2, 1.1, 1.05, 1.01], LOSS)]).verdict == "not reproduced"


def test_mnist_reads_the_radius_where_the_loss_flattens_not_at_the_end():
    early = [float("nan"), 2.0, 0.001, 0.001]  # flat from the second checkpoint on
    assert mnist_rises([(STEPS, [0.3, 0.6, 0.81, 0.95], early)]).verdict == "reproduced"
    assert mnist_rises([(STEPS, [0.3, 0.6, 0.81, 0.95], LOSS)]).verdict == "partly"


def test_mnist_networks_short_of_training_make_the_claim_inconclusive_never_not_reproduced():
    """A seed whose loss never flattened, or a reason the run gives: inconclusive, with the reason, whatever the
    radii say (here they say nothing of the claim holds)."""
    falling = [float("nan"), 2.0, 1.5, 1.0]
    outcome = mnist_rises([(STEPS, [1.2, 1.1, 1.05, 1.01], falling), (STEPS, [1.2, 1.1, 1.05, 1.01], LOSS)])
    assert outcome.verdict == "inconclusive" and outcome.criterion.startswith("the training loss of 1 of 2 seeds "
                                                                              "never flattened")
    stopped = mnist_rises([(STEPS, [0.3, 0.5, 0.6, 0.81], LOSS)], short="stopped at step 600")
    assert stopped.verdict == "inconclusive" and stopped.criterion.startswith("stopped at step 600: ")


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
    at either end of the band is in it; a loss exactly at the fraction has not flattened."""
    from lstmdyn.experiments.claims_amrouche import flattening, rise

    radii = [0.3, 0.5, 0.4, 0.75]
    at = rise(STEPS, radii)
    assert mnist_rises([(STEPS, radii, LOSS)], band=(0.5, 0.75), rising=at).verdict == "partly"  # no rise above
    assert mnist_rises([(STEPS, radii, LOSS)], band=(0.5, 0.75), rising=at - 1e-9).verdict == "reproduced"
    assert mnist_rises([(STEPS, radii, LOSS)], band=(0.75, 1.0)).verdict == "reproduced"  # both ends belong to it
    assert mnist_rises([(STEPS, radii, LOSS)], band=(0.5, 0.75 - 2 ** -30)).verdict == "partly"
    assert mnist_rises([(STEPS, radii, LOSS)], band=(0.75 + 2 ** -30, 1.0)).verdict == "partly"
    assert flattening([float("nan"), 1.0, 0.25, 0.125], fraction=0.25) == 3  # 0.25 is not below 0.25 × 1.0
    assert flattening([float("nan"), 1.0, 0.25 - 2 ** -20, 0.125], fraction=0.25) == 2


def test_nottingham_a_radius_of_exactly_one_does_not_cross_and_a_real_part_of_exactly_one_is_not_below():
    assert nottingham_crosses([([0.9, 1.0], [0.5, 0.6])]).verdict == "not reproduced"
    assert nottingham_crosses([([0.9, 1.02], [0.5, 1.0])]).verdict == "not reproduced"
    assert nottingham_crosses([([0.9, 1.0 + 2 ** -40], [0.5, 1.0 - 2 ** -40])]).verdict == "reproduced"


def test_ptb_takes_the_two_eigenvalues_of_largest_modulus_in_whatever_order_they_come():
    shuffled = np.array([0.5, -0.3, 0.995, 0.2j, 0.985], dtype=complex)
    assert ptb_near_circle([shuffled]).verdict == "reproduced" and published_ptb(shuffled).verdict == "reproduced"
