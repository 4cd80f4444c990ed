"""Every admissible value must give a page: each chapter runs at the edges of the ranges its parameters admit
(``lstmdyn.profiles``), the rest at the smoke profile, and must execute without an error or a warning.

Two runs per chapter, in both of which every size and count is at its lower edge (at their upper edges they
would cost hours, and degenerate no further than at their lower ones): every real-valued parameter at its lower
edge with the seed at its largest value (0 is the default every other test runs), then every real-valued
parameter at its upper edge. A count whose upper edge is everything there is (the paper's six named networks)
runs at that edge too, with the counts that may be 0 at 0 and the rest at the smoke profile ("all"). Each page's
prose is read for template text that a count of 0, 1 or all leaves behind (``sentence_checks.edge_text``).
Where the lower edges together leave a chapter nothing to run (a group of counts all 0), the first of the group is
set to 1, and the all-zero combination must be refused before any work."""

from __future__ import annotations

import jupytext
import pytest
from sentence_checks import check_page

from conftest import ROOT, copy_project
from lstmdyn.book.parameters import declared_parameters, resolve
from lstmdyn.book.runner import Project, run_notebook
from lstmdyn.errors import ParameterError
from lstmdyn.profiles import NOTEBOOKS, SEED_MAX

CHAPTERS = sorted(name for name, spec in NOTEBOOKS.items() if spec.limits)


def _declared(chapter: str):
    return declared_parameters(jupytext.read(ROOT / "notebooks" / f"{chapter}.py"))


def edges(chapter: str, which: str) -> dict:
    """The parameter values of one edge run: ``"low"``, ``"high"`` or ``"all"`` (see the module docstring)."""
    spec, declared = NOTEBOOKS[chapter], _declared(chapter)
    values = {}
    for name, (low, high) in spec.limits.items():
        default = declared[name].default
        scalar = default[0] if isinstance(default, list) else default
        if which == "all":  # all of what there is, none of the sampled counts beside it
            if isinstance(scalar, int) and name != "seed" and high is not None and high <= ALL_AT_MOST:
                values[name] = [high] if isinstance(default, list) else high
            elif isinstance(scalar, int) and name != "seed" and low == 0:
                values[name] = [0] if isinstance(default, list) else 0
            continue
        if name == "seed":
            value = SEED_MAX if which == "low" else None
        else:
            value = high if which == "high" and isinstance(scalar, float) else low
        if value is not None:
            value = type(scalar)(value)
            values[name] = [value] if isinstance(default, list) else value
    for group in spec.at_least_one:
        if all(values.get(name, 1) == 0 for name in group):
            values[group[0]] = 1
    return values


#: A count whose upper edge is at most this is "all there is" (the paper's six named networks), not a size
ALL_AT_MOST = 10


def _has_all(chapter: str) -> bool:
    """Whether a count of the chapter can be all there is (an integer whose upper edge is small)."""
    limits, values = NOTEBOOKS[chapter].limits, edges(chapter, "all")
    return any(value == limits[name][1] for name, value in values.items())


def _real_valued(chapter: str) -> bool:
    declared = _declared(chapter)
    return any(isinstance((d[0] if isinstance(d, list) else d), float)
               for d in (declared[name].default for name in NOTEBOOKS[chapter].limits))


RUNS = [(chapter, which) for chapter in CHAPTERS for which in ("low", "high", "all")
        if which == "low" or (which == "high" and _real_valued(chapter)) or (which == "all" and _has_all(chapter))]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(copy_project(tmp_path_factory.mktemp("edges") / "project"))


@pytest.mark.parametrize(("chapter", "which"), RUNS)
def test_every_chapter_runs_at_the_edges_of_its_parameters(project, chapter, which):
    settings = edges(chapter, which)
    assert settings, f"{chapter} has no {which} edge"
    result = run_notebook(chapter, "smoke", settings, force=True, project=project, progress=False)
    check_page(chapter, result.output)


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if NOTEBOOKS[c].at_least_one])
def test_counts_that_leave_a_chapter_nothing_to_run_are_refused_before_any_work(chapter):
    for group in NOTEBOOKS[chapter].at_least_one:
        with pytest.raises(ParameterError, match=f"at least one of {', '.join(group)} must be above 0"):
            resolve(chapter, _declared(chapter), "smoke", dict.fromkeys(group, 0))
        resolve(chapter, _declared(chapter), "smoke", {**dict.fromkeys(group, 0), group[-1]: 1})
