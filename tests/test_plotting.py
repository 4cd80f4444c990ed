"""The book's figures as the page shows them: sized by their panels, their smallest text readable at the page's
width, no data under a legend."""

from __future__ import annotations

import json

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lstmdyn.book.plotting import COLUMN_PX, DPI, MIN_TEXT_PX, PAGE_WIDTH, looks, panels, use_style

matplotlib.use("Agg")


@pytest.mark.parametrize("rows, columns, width", [(1, 1, 5.5), (1, 2, PAGE_WIDTH), (3, 2, PAGE_WIDTH)])
def test_a_figure_is_as_wide_as_the_page_for_several_columns_and_tall_by_its_rows(rows, columns, width):
    fig, _ = panels(rows, columns, height=2.5)
    assert fig.get_size_inches().tolist() == [width, 2.5 * rows]
    plt.close(fig)
    fig, _ = panels(1, 1, width=20)
    assert fig.get_size_inches()[0] == PAGE_WIDTH  # never wider than the page
    plt.close(fig)


def test_the_smallest_text_is_measured_as_the_page_shows_it():
    """Shown at the column's width, a figure's text shrinks with it: the same 9-point label is readable in a
    figure of the page's width and too small in one twice as wide."""
    use_style()
    sizes = {}
    for width in (PAGE_WIDTH, 2 * PAGE_WIDTH):
        fig, ax = plt.subplots(figsize=(width, 3))
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("label", fontsize=9)
        ax.tick_params(labelsize=9)
        seen = looks(fig)
        plt.close(fig)
        assert seen["smallest_text_pt"] == 9.0
        assert seen["scale"] == pytest.approx(min(1, COLUMN_PX / (seen["width_in"] * DPI)), abs=0.01)
        sizes[width] = seen["smallest_text_px"]
    assert sizes[PAGE_WIDTH] >= MIN_TEXT_PX > sizes[2 * PAGE_WIDTH]


def test_data_under_a_legend_inside_the_axes_is_counted_and_a_legend_outside_covers_none():
    x = np.linspace(0, 1, 50)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(x, x, label="the diagonal, through the centre")
    ax.set_title("inside")
    ax.legend(loc="center")
    assert looks(fig)["points_under_legends"][0][0] == "inside" and looks(fig)["points_under_legends"][0][1] > 0
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    assert looks(fig)["points_under_legends"] == []
    plt.close(fig)


def test_every_figure_of_the_book_reads_at_the_page_width_and_keeps_its_legends_off_the_data(smoke_book):
    """Every figure every chapter saved (``NAME.json`` beside its PNG, written by ``save``)."""
    project, result = smoke_book
    assert result.returncode == 0
    records = sorted((project / "book" / "generated" / "figures").rglob("*.json"))
    assert len(records) >= 40
    small, covered = [], []
    for path in records:
        seen = json.loads(path.read_text())
        name = path.relative_to(project / "book" / "generated" / "figures").with_suffix("").as_posix()
        if seen["smallest_text_px"] is not None and seen["smallest_text_px"] < MIN_TEXT_PX:
            small.append(f"{name}: {seen['smallest_text_px']} px ({seen['smallest_text_pt']} pt, "
                         f"'{seen['smallest_text']}', {seen['width_in']} in wide)")
        if seen["points_under_legends"]:
            covered.append(f"{name}: {seen['points_under_legends']}")
    assert not small, "text below the page's smallest size:\n" + "\n".join(small)
    assert not covered, "data under a legend:\n" + "\n".join(covered)


def test_no_two_baselines_of_a_training_figure_share_a_line_style():
    from lstmdyn.book.plotting import training_figure
    from lstmdyn.experiments.baselines import Baseline
    from lstmdyn.training import TrainingResult

    result = TrainingResult(None, losses=[(k, 1.0 / k) for k in range(1, 30)], validation=[(10, 0.2), (20, 0.15)])
    fig = training_figure(result, "loss", "t", [Baseline(f"b{k}", 0.1 * k) for k in range(1, 5)])
    # the dash pattern as drawn (a custom pattern reads as "--" through get_linestyle)
    dashes = [(line._unscaled_dash_pattern[0], tuple(line._unscaled_dash_pattern[1] or ()))
              for line in fig.axes[0].get_lines()]
    plt.close(fig)
    assert len(dashes) == 6 and len(set(dashes[1:])) == 5  # the validation curve and the 4 baselines
