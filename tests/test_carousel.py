"""The constant error carousel: the hand-wired memory unit holds what was written until it is erased."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lstmdyn.cells import sigmoid
from lstmdyn.experiments.carousel import CHANNELS, memory_inputs, memory_unit, plot_memory


def test_the_input_script_sets_each_channel_where_asked():
    x = memory_inputs(6, writes={1: 0.5, 4: -0.25}, reads=[2, 5], erases=[3])
    assert x.shape == (6, len(CHANNELS)) and CHANNELS == ("value", "write", "erase", "read")
    np.testing.assert_array_equal(x[:, 0], [0, 0.5, 0, 0, -0.25, 0])
    np.testing.assert_array_equal(x[:, 1], [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(x[:, 2], [0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(x[:, 3], [0, 0, 1, 0, 0, 1])


def test_an_idle_forget_gate_is_sigmoid_of_the_hold_and_the_cell_decays_by_it():
    """With no input at all the gates are the biases' sigmoids: f = σ(hold), i = o = σ(−gain/2); a stored value
    decays by exactly f per step."""
    run = memory_unit(gain=12.0, hold=8.0).run(np.zeros((5, 4)), c0=np.array([0.7]))
    np.testing.assert_allclose(run["f"][:, 0], sigmoid(8.0), rtol=1e-15)
    np.testing.assert_allclose(run["i"][:, 0], sigmoid(-6.0), rtol=1e-15)
    np.testing.assert_allclose(run["c"][:, 0], 0.7 * sigmoid(8.0) ** np.arange(1, 6), rtol=1e-12)


def test_memory_unit_holds_what_was_written_until_erased():
    x = memory_inputs(40, writes={3: 0.5}, reads=[20], erases=[30])
    run = memory_unit().run(x)
    stored = np.tanh(2 * 0.5)
    assert run["c"][3, 0] == pytest.approx(stored, rel=1e-2)
    assert run["c"][29, 0] == pytest.approx(stored, rel=2e-2)  # held for 26 steps
    assert run["h"][20, 0] == pytest.approx(np.tanh(run["c"][20, 0]), rel=1e-2)  # read: o ≈ 1
    assert abs(run["h"][25, 0]) < 1e-2  # not read: o ≈ 0
    assert abs(run["c"][31, 0]) < 1e-2  # erased


def test_a_second_write_replaces_the_value_only_in_part_without_an_erase():
    """A write adds i·g to what the cell holds (c = f c + i g): without an erase before it, the old value stays in."""
    x = memory_inputs(12, writes={2: 0.5, 8: -0.5}, reads=[], erases=[])
    run = memory_unit().run(x)
    assert run["c"][8, 0] == pytest.approx(run["c"][7, 0] * run["f"][8, 0] + np.tanh(-1.0) * run["i"][8, 0],
                                           rel=1e-12)
    assert abs(run["c"][8, 0]) < 0.01  # the two writes of opposite values all but cancel


def test_the_figure_has_one_panel_per_quantity_and_legends_outside_the_data():
    x = memory_inputs(20, writes={2: 0.6}, reads=[10], erases=[15])
    fig = plot_memory(x, memory_unit().run(x))
    try:
        assert len(fig.axes) == 4
        assert [ax.get_ylabel() for ax in fig.axes[1:]] == ["gate value", "cell state $c_t$", "output $h_t$"]
        for ax in fig.axes[:2]:  # anchored to the right of their axes
            assert ax.get_legend() is not None and ax.get_legend().get_bbox_to_anchor().x0 > ax.bbox.x1
    finally:
        plt.close(fig)
