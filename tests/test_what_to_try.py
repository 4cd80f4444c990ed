"""A page's outcome sentences must follow its run, not its defaults: every foundation chapter runs at smoke
with parameters its own *What to try* section suggests, and each sentence is checked against the condition that
should choose it (``sentence_checks``). Every suggestion of every chapter must also be a valid command."""

from __future__ import annotations

import jupytext
import pytest
from sentence_checks import check_page

from conftest import ROOT, copy_project
from lstmdyn.book.parameters import declared_parameters, resolve, suggested_runs
from lstmdyn.book.runner import Project, run_notebook
from lstmdyn.errors import ParameterError

#: For each foundation chapter, the parameters of the suggestions that are run (cheap at smoke, and each moves
#: an outcome: no crossing, a 2-cycle, a clipping share, a grid of scales, another seed).
RUNS = {
    "lstm_model": [{"gains"}, {"scalar_weights"}],
    "lyapunov": [{"gains"}, {"qr_intervals"}],
    "learning_to_remember": [{"learning_rates"}, {"clip"}],
    "equilibria": [{"scales", "networks"}],
    "datasets": [{"seed"}],
}


def _suggestions(chapter: str) -> list[tuple[str, dict[str, str]]]:
    return suggested_runs(jupytext.read(ROOT / "notebooks" / f"{chapter}.py"))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(copy_project(tmp_path_factory.mktemp("what_to_try") / "project"))


@pytest.mark.parametrize("chapter", sorted(p.stem for p in (ROOT / "notebooks").glob("*.py")))
def test_every_suggested_run_names_its_chapter_and_valid_parameters(chapter):
    declared = declared_parameters(jupytext.read(ROOT / "notebooks" / f"{chapter}.py"))
    for notebook, settings in _suggestions(chapter):
        assert notebook == chapter
        try:
            resolve(chapter, declared, "quick", settings)
        except ParameterError as e:
            pytest.fail(f"What to try of {chapter} suggests {settings}: {e}")


@pytest.mark.parametrize(("chapter", "names"), [(c, n) for c, sets in RUNS.items() for n in sets],
                         ids=lambda v: v if isinstance(v, str) else "-".join(sorted(v)))
def test_outcome_sentences_follow_their_conditions_under_a_suggested_run(project, chapter, names):
    settings = next((s for _, s in _suggestions(chapter) if set(s) == names), None)
    assert settings is not None, f"What to try of {chapter} no longer suggests setting {sorted(names)}"
    result = run_notebook(chapter, "smoke", settings, force=True, project=project, progress=False)
    check_page(chapter, result.output)
