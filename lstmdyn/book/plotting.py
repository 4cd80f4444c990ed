"""One figure style for the whole book, and saving figures beside the executed notebooks: the PNG, the data
as CSV, a caption, and what the figure looks like at the page's width.

A figure is shown at the width of the page's content column, :data:`COLUMN_PX` CSS pixels, or at its own width
where it is narrower (its PNG has :data:`DPI` pixels per inch). A figure wider than :data:`PAGE_WIDTH` inches is
scaled down and its text with it: :func:`panels` sizes a figure by its rows and columns within that width, and
:func:`save` records the smallest text and the data points under a legend as the page shows them
(``NAME.json`` beside the PNG), which the tests check for every figure of the book.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.text import Text

__all__ = ["COLUMN_PX", "DPI", "MIN_TEXT_PX", "PAGE_WIDTH", "REFERENCE_STYLES", "eigenvalue_plane", "figure_data",
           "homotopy_path", "homotopy_paths", "looks", "median_band", "panels", "save", "training_curve",
           "training_figure", "use_style"]

COLUMN_PX = 676  #: the width of a chapter's output column at a 1280-pixel window, in CSS pixels (measured)
DPI = 110  #: pixels per inch of the figures shown on the page
PAGE_WIDTH = 8.5  #: inches: the widest figure whose smallest text (9 pt) stays at MIN_TEXT_PX on the page
MIN_TEXT_PX = 9.5  #: the smallest text a figure may show, in CSS pixels at the page's width (about 7 pt)
#: Line styles of reference lines (baselines), one per line and none alike up to five
REFERENCE_STYLES = ("--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 3)))


def use_style() -> None:
    """Seaborn's white grid with the colour-blind palette, at a size that reads well on the page."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.9)
    mpl.rcParams.update({"figure.dpi": DPI, "savefig.dpi": 150, "savefig.bbox": "tight",
                         "figure.constrained_layout.use": True, "axes.titlesize": "medium",
                         "legend.fontsize": "small", "legend.title_fontsize": "small"})


def save(fig: plt.Figure, name: str, *, caption: str, directory: str | Path = "figures") -> None:
    """Save ``fig`` as ``directory/name.png`` and the data it plots as ``directory/name.csv``
    (:func:`figure_data`); show the figure, its ``caption`` (what it shows, and with which parameters) and a
    link to download the data."""
    path = Path(directory) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    path.with_suffix(".json").write_text(json.dumps(looks(fig)))
    data = figure_data(fig)
    display(fig)
    plt.close(fig)
    link = ""
    if len(data):
        data.to_csv(path.with_suffix(".csv"), index=False)
        link = f" {{download}}`Data of this figure (CSV) <{path.with_suffix('.csv').as_posix()}>`."
    display(Markdown(f"**Figure.** {caption}{link}"))


def panels(rows: int = 1, columns: int = 1, *, height: float = 3.0, width: float | None = None,
           **options) -> tuple[plt.Figure, np.ndarray | plt.Axes]:
    """``plt.subplots(rows, columns)`` sized for the page: ``height`` inches per row, and the page's width
    (:data:`PAGE_WIDTH`) for two columns or more, 5.5 inches for one (or ``width``, at most the page's).

    Examples
    --------
    >>> fig, axes = panels(2, 3)
    >>> fig.get_size_inches().tolist(), axes.shape
    ([8.5, 6.0], (2, 3))
    >>> plt.close(fig)
    """
    width = min(PAGE_WIDTH, width or (PAGE_WIDTH if columns > 1 else 5.5))
    return plt.subplots(rows, columns, figsize=(width, height * rows), **options)


def looks(fig: plt.Figure) -> dict[str, float | int | list]:
    """How ``fig`` looks on the page: its width in inches (as saved, trimmed to what it draws), the scale at which
    the page shows it, the smallest text in points and in CSS pixels at that scale, with the text itself, and the
    data points that lie under a legend drawn inside its axes (by panel title).

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(13, 3), layout="constrained")
    >>> _ = ax.plot(range(10), label="a"); _ = ax.set_xlabel("x", fontsize=9)
    >>> seen = looks(fig)                          # about 13 inches drawn: shown at under half its size
    >>> 12 < seen["width_in"] <= 13, seen["scale"] < 0.5, bool(seen["smallest_text_px"] < MIN_TEXT_PX)
    (True, True, True)
    >>> plt.close(fig)
    """
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    width = fig.get_tightbbox(renderer).width
    scale = min(1.0, COLUMN_PX / (width * DPI))
    frame = fig.bbox
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
             and frame.overlaps(t.get_window_extent(renderer))]
    smallest = min(texts, key=lambda t: t.get_fontsize(), default=None)
    under = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        if not ax.bbox.overlaps(box):
            continue  # drawn outside the axes
        points = [line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
                  for line in ax.get_lines() if line.get_visible() and len(line.get_xydata())]
        points += [c.get_offset_transform().transform(np.asarray(c.get_offsets(), dtype=float))
                   for c in ax.collections
                   if isinstance(c, PathCollection) and c.get_visible() and len(c.get_offsets())]
        inside = sum(int(np.sum((p[:, 0] > box.x0) & (p[:, 0] < box.x1) & (p[:, 1] > box.y0) & (p[:, 1] < box.y1)))
                     for p in points if p.ndim == 2)
        if inside:
            under.append([ax.get_title() or f"panel {fig.axes.index(ax) + 1}", inside])
    size = None if smallest is None else float(smallest.get_fontsize())
    return {"width_in": round(float(width), 3), "scale": round(float(scale), 2), "smallest_text_pt": size,
            "smallest_text": "" if smallest is None else smallest.get_text()[:40],
            "smallest_text_px": None if size is None else round(size / 72 * DPI * scale, 2),
            "points_under_legends": under}


def figure_data(fig: plt.Figure) -> pd.DataFrame:
    """The data a figure plots, one row per point: the panel's title, the series' label and x, y.

    Lines, scatter plots and bars are read back from the figure's artists (images and shaded bands are
    not; a bar's x is its centre).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [2, 3], label="a"); _ = ax.scatter([5], [6]); _ = ax.set_title("t")
    >>> figure_data(fig).to_dict("list")
    {'panel': ['t', 't', 't'], 'series': ['a', 'a', 'points or bars 2'], 'x': [0.0, 1.0, 5.0], 'y': [2.0, 3.0, 6.0]}
    """
    frames = []
    for ax in fig.axes:
        series = [(line.get_label(), *np.asarray(line.get_xydata(), dtype=float).T) for line in ax.get_lines()]
        series += [(c.get_label(), *np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2).T)
                   for c in ax.collections if isinstance(c, PathCollection)]
        series += [(b.get_label(), np.array([r.get_x() + r.get_width() / 2 for r in b]),
                    np.array([r.get_height() for r in b])) for b in ax.containers if isinstance(b, BarContainer)]
        for k, (label, x, y) in enumerate(series, start=1):
            if not label or label.startswith("_"):
                label = f"{'line' if k <= len(ax.get_lines()) else 'points or bars'} {k}"
            frames.append(pd.DataFrame({"panel": ax.get_title(), "series": label, "x": x, "y": y}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["panel", "series", "x", "y"])


def median_band(ax: plt.Axes, x, samples, label: str, quantiles: tuple[float, float] = (0.1, 0.9)):
    """Plot the median over the first axis of ``samples`` as a line and a quantile range as a band; samples of
    −inf (exponents of a direction mapped to zero) are below every other, and leave gaps in the curves.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> line = median_band(ax, [1, 2], np.array([[0.0, -np.inf], [1.0, -np.inf], [2.0, -1.0]]), "x")
    >>> line.get_ydata().tolist()
    [1.0, -inf]
    """
    with np.errstate(invalid="ignore"):  # −inf samples (a collapsed direction) give a −inf quantile, not NaN
        middle, lo, hi = np.nan_to_num(np.quantile(samples, [0.5, *quantiles], axis=0), nan=-np.inf, posinf=np.inf)
    line, = ax.plot(x, middle, label=label)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    return line


def eigenvalue_plane(ax: plt.Axes, eigenvalues: np.ndarray, label: str | None = None, **style) -> None:
    """Eigenvalues in the complex plane with the unit circle, on equal axes."""
    theta = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(theta), np.sin(theta), color="grey", lw=1, ls="--")
    ax.scatter(eigenvalues.real, eigenvalues.imag, s=style.pop("s", 12), label=label, **style)
    ax.set(xlabel=r"Re $\lambda$", ylabel=r"Im $\lambda$", aspect="equal")


def homotopy_path(ax_t: plt.Axes, ax_norm: plt.Axes, path, label: str, **style) -> None:
    """A followed homotopy path against arclength: t, with turning points marked by crosses, and the norms
    of the two halves of the state, ‖c‖ (solid) and ‖h‖, or ‖q‖ for the paper's homotopy (dashed)."""
    line, = ax_t.plot(path.s, path.t, label=label, **style)
    if path.turning_points:
        s, t = zip(*path.turning_points, strict=True)
        ax_t.plot(s, t, "x", color=line.get_color(), ms=8, mew=2)
    if path.parts:  # none where the path failed at its first point
        ax_norm.plot(path.s, path.parts["c"], color=line.get_color(), label=f"{label}: ‖c‖", **style)
        ax_norm.plot(path.s, path.parts["h"], color=line.get_color(), ls="--", label=f"{label}: ‖h‖ or ‖q‖")
    for ax in (ax_t, ax_norm):
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlabel("arclength $s$ (linear below 1, logarithmic above)")
    ax_t.set_ylabel("$t$")
    ax_norm.set_yscale("symlog", linthresh=0.1)
    ax_norm.set_ylabel(r"$\|c\|$ (solid), $\|h\|$ or $\|q\|$ (dashed)" + "\n(linear below 0.1)")


def training_curve(ax: plt.Axes, result, label: str = "", window: int = 10) -> None:
    """Training loss per step (a running mean over ``window`` steps) and validation loss at checkpoints."""
    steps, losses = np.array(result.losses).T
    kernel = np.ones(min(window, len(losses))) / min(window, len(losses))
    line, = ax.plot(steps[len(kernel) - 1:], np.convolve(losses, kernel, mode="valid"),
                    label=f"{label} training (running mean)".strip())
    if result.validation:
        ax.plot(*np.array(result.validation).T, "o--", color=line.get_color(), label=f"{label} validation".strip())
    ax.set(xlabel="training step", ylabel="loss")
    ax.legend()


def training_figure(result, ylabel: str, title: str, baselines=()) -> plt.Figure:
    """One training run's curves (see :func:`training_curve`) in a figure of their own, with the validation
    loss of each trivial baseline (:class:`lstmdyn.experiments.baselines.Baseline`) as a horizontal line."""
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    training_curve(ax, result)
    for k, baseline in enumerate(baselines):
        # from the second style on: the validation curve is dashed
        ax.axhline(baseline.loss, color=f"C{k + 2}", ls=REFERENCE_STYLES[(k + 1) % len(REFERENCE_STYLES)], lw=1.3,
                   label=f"baseline: {baseline.name}")
    ax.set(ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    return fig


def homotopy_paths(results: dict, title: str) -> plt.Figure:
    """The paths of several homotopy runs (``{name: Equilibrium}``): t and the state's two halves against
    arclength (:func:`homotopy_path`)."""
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.6))
    for name, result in results.items():
        homotopy_path(axes[0], axes[1], result.path, label=f"{name}: {result.status}")
    axes[0].axhline(1.0, color="grey", lw=0.8)
    axes[0].axhline(0.0, color="grey", lw=0.8)
    handles, labels = axes[0].get_legend_handles_labels()  # one entry per run, below both panels
    fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)), fontsize="small")
    fig.suptitle(title)
    return fig


def spectra_against_loss(chosen: pd.DataFrame, statistic: str, xlabel: str, title: str, correlation,
                         baseline=None, *, axes=None, loss_label: str = "validation loss at the selected epoch",
                         sampled_label: str = "sampled") -> plt.Figure:
    """Vogt et al.'s Fig. 4 for one sweep: left, each network's spectrum at its selected epoch coloured by its
    validation loss; right, ``statistic`` against the loss, the paper's named networks in their colour, and a
    ``baseline`` (:class:`~lstmdyn.experiments.baselines.Baseline`, or a list of them) as a line each.
    ``chosen`` holds one row per network (``spectrum``, ``valid_loss``, ``label`` and ``statistic``); ``axes``, a
    pair of axes to draw on (a row of a larger figure), else a new figure."""
    if axes is None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.8))
    else:
        (left, right), fig = axes, axes[0].figure
    if chosen.empty:
        for ax in (left, right):
            ax.text(0.5, 0.5, "no network of this sweep finished", ha="center", va="center", transform=ax.transAxes)
        right.set(xlabel=xlabel, ylabel=loss_label, title=title)
        return fig
    norm = plt.Normalize(chosen["valid_loss"].min(), chosen["valid_loss"].max())
    for r in chosen.itertuples():
        spectrum = np.asarray(r.spectrum)
        left.plot(np.arange(1, len(spectrum) + 1), spectrum, color=plt.cm.viridis(norm(r.valid_loss)), lw=1)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=left, label=loss_label)
    left.set(xlabel="index $i$", ylabel=r"exponent $\lambda_i$ (per step)", title=f"{title}: spectra")
    sampled = chosen[chosen["label"] == ""]
    right.scatter(sampled[statistic], sampled["valid_loss"], color="grey", s=25, label=sampled_label)
    for r in chosen[chosen["label"] != ""].itertuples():
        right.scatter(getattr(r, statistic), r.valid_loss, color=f"tab:{r.label}", s=45, edgecolor="black",
                      label=f"paper's {r.label}")
    references = [] if baseline is None else baseline if isinstance(baseline, list | tuple) else [baseline]
    for k, b in enumerate(references):
        right.axhline(b.loss, color="black", ls=REFERENCE_STYLES[k % len(REFERENCE_STYLES)], lw=1,
                      label=f"{b.name} ({b.loss:.3g})")
    right.set(xlabel=xlabel, ylabel=loss_label, title=f"Spearman {correlation}")
    if axes is None:  # below both panels, so that a long baseline's name does not narrow the right one
        fig.legend(*right.get_legend_handles_labels(), fontsize="small", ncols=2, loc="outside lower center")
    else:
        right.legend(fontsize="small", ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def measures_against_radius(frame: pd.DataFrame, statistics: dict[str, str]) -> plt.Figure:
    """Each network's spectral radius at its equilibrium without input (x) against each of ``statistics``
    (column → axis label) of its driven Lyapunov spectrum (y), one panel per statistic, coloured by task;
    ``frame`` as :func:`lstmdyn.experiments.both_tools.both_tools_frame` returns it."""
    fig, axes = plt.subplots(1, len(statistics), figsize=(4.2 * len(statistics), 4.0), squeeze=False)
    for ax, (statistic, label) in zip(axes[0], statistics.items(), strict=True):
        for k, (task, group) in enumerate(frame.groupby("task", sort=False)):
            marker = "o" if group["experiment"].iloc[0] == "equilibria" else "^"
            ax.scatter(group["spectral_radius"], group[statistic], s=28, color=f"C{k}", marker=marker, label=task)
        ax.axvline(1.0, color="grey", lw=0.8)
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set(xlabel="spectral radius at the equilibrium without input", ylabel=f"{label} (per step)")
    axes[0][0].legend(fontsize="small")
    return fig
