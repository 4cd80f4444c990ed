"""One figure style for the whole book, and saving figures as PNG beside the executed notebooks."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

__all__ = ["median_band", "save", "use_style"]


def use_style() -> None:
    """Seaborn's white grid with the colour-blind palette, at a size that reads well on the page."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.9)
    mpl.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "savefig.bbox": "tight",
                         "figure.constrained_layout.use": True, "axes.titlesize": "medium",
                         "legend.fontsize": "small", "legend.title_fontsize": "small"})


def save(fig: plt.Figure, name: str, directory: str | Path = "figures") -> None:
    """Save ``fig`` as ``directory/name.png``, creating directories as needed."""
    path = Path(directory) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def median_band(ax: plt.Axes, x, samples, label: str, quantiles: tuple[float, float] = (0.1, 0.9)):
    """Plot the median over the first axis of ``samples`` as a line and a quantile range as a band."""
    line, = ax.plot(x, np.median(samples, axis=0), label=label)
    lo, hi = np.quantile(samples, quantiles, axis=0)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    return line
