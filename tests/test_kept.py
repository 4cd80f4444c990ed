"""Results kept at the papers' scale: what a kept record holds, the pages rendered from it, and a stale mark that
says what changed. Every record committed under paper/ is checked on every run of the tests."""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import ROOT, copy_project
from lstmdyn.book.kept import (
    KEPT,
    PAPER_CHAPTERS,
    PROVENANCE_KEYS,
    imported_files,
    keep_run,
    kept_outcomes,
    read_provenance,
    render_kept,
    staleness,
    started_now,
)
from lstmdyn.book.runner import Project, run_notebook
from lstmdyn.errors import NotebookError
from lstmdyn.experiments.outcomes import Outcome
from lstmdyn.experiments.scorecard import kept_column


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """A copy of the project with the lyapunov chapter run (at smoke, the cheapest with outcomes) and kept."""
    project = Project(copy_project(tmp_path_factory.mktemp("kept") / "project"))
    started = started_now()
    result = run_notebook("lyapunov", "smoke", project=project, progress=False)
    return project, keep_run(result, project, started=started, profile="smoke")


def test_a_kept_record_holds_the_notebook_its_results_its_figure_data_and_its_provenance(kept):
    project, folder = kept
    assert folder == project.root / KEPT / "lyapunov"
    record = read_provenance(folder)
    assert set(record) == set(PROVENANCE_KEYS) and record["chapter"] == "lyapunov"
    assert record["machine"]["cores"] >= 1 and record["seconds"] > 0 and record["cells"]
    assert {"source", "profile", "parameters", "package"} <= set(record["parts"])
    assert any(p.suffix == ".csv" for p in (folder / "figures" / "lyapunov").iterdir())
    outcomes = kept_outcomes(project)["lyapunov"][1]
    assert [Outcome.from_dict(o).key for o in outcomes] == ["vogt.warmup", "vogt.qr_interval"]
    column = kept_column(project.root / KEPT)  # this record, beside those committed under paper/
    every = [o["key"] for _, (_, kept_ones) in sorted(kept_outcomes(project).items()) for o in kept_ones]
    assert {"vogt.warmup", "vogt.qr_interval"} <= set(column["key"]) and sorted(column["key"]) == sorted(every)
    assert column["paper_date"].str.match(r"\d{4}-").all()


def test_the_stale_mark_names_what_changed_since_the_kept_run(kept, tmp_path):
    project, folder = kept
    record = read_provenance(folder)
    assert staleness(record, project) == []
    source = project.root / "notebooks" / "lyapunov.py"
    original = source.read_text()
    try:
        source.write_text(original + "\n# a comment that changes the notebook\n")
        assert staleness(record, project) == ["the notebook notebooks/lyapunov.py"]
    finally:
        source.write_text(original)
    older = dict(record, package_files={**record["package_files"], "lyapunov.py": "0" * 64},
                 parts={**record["parts"], "package": "0" * 64})
    assert staleness(older, project) == ["the package's lstmdyn/lyapunov.py"]
    # a file the notebook never imports, directly or through another module, cannot change the page
    elsewhere = dict(record, package_files={**record["package_files"], "sweeps.py": "0" * 64, "cli.py": "0" * 64},
                     parts={**record["parts"], "package": "0" * 64})
    assert "sweeps.py" not in imported_files(source.read_text())
    assert staleness(elsewhere, project) == []
    # ... but one it reaches only through other modules can (continuation, which only equilibria imports)
    assert "continuation" not in source.read_text()
    through = dict(record, package_files={**record["package_files"], "continuation.py": "0" * 64},
                   parts={**record["parts"], "package": "0" * 64})
    assert staleness(through, project) == ["the package's lstmdyn/continuation.py"]
    assert staleness(dict(record, parts={**record["parts"], "parameters": {**record["parts"]["parameters"], "T": 1}}),
                     project) == ["the parameters T"]


def test_every_paper_chapter_gets_a_page_rendered_from_its_record_or_saying_it_was_not_kept(kept):
    project, folder = kept
    pages = {p.stem: p for p in render_kept(project)}
    assert set(pages) == {f"{name}_paper" for name in PAPER_CHAPTERS}
    page = nbformat.read(pages["lyapunov_paper"], 4)
    title, provenance = page.cells[0].source, page.cells[1].source
    assert title.startswith("# ") and ", at the papers' scale" in title.splitlines()[0]
    assert "Current: the code that would produce this page now is the code that did." in provenance
    assert "$$ (benettin-paper)" in "\n".join(c.source for c in page.cells)  # no label twice on the site
    assert (project.generated / "figures" / "paper" / "lyapunov").is_dir()
    missing = pages["lstm_model_paper"].read_text()
    assert "has not been run at the **paper** profile" in missing and "--profile paper --keep" in missing


def test_the_site_lists_a_page_for_every_paper_chapter_in_order():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(p for p in toc["parts"] if p["caption"] == "At the papers' scale")
    files = [s["file"] for s in part["chapters"][0]["sections"]]
    chapters = [c for c in Project(ROOT).chapters() if c in PAPER_CHAPTERS]
    assert files == [f"book/generated/{name}_paper" for name in chapters]


@pytest.mark.parametrize("folder", sorted(p for p in (ROOT / KEPT).glob("*/") if p.is_dir()) or [None],
                         ids=lambda p: p.name if p else "none")
def test_every_committed_record_is_whole_and_its_outcomes_parse(folder):
    if folder is None:
        pytest.skip("no chapter is kept in paper/")
    record = read_provenance(folder)
    assert record["profile"] == "paper" and folder.name == record["chapter"]
    results = folder / f"{record['chapter']}.json"
    if results.is_file():
        for outcome in json.loads(results.read_text())["outcomes"]:
            Outcome.from_dict(outcome)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 20_000_000, f"{folder} holds {size / 1e6:.1f} MB: keep records small"


def test_a_damaged_record_is_named(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "provenance.json").write_text('{"chapter": "x"}')
    with pytest.raises(NotebookError, match="provenance.json: the kept record lacks profile"):
        read_provenance(tmp_path / "x")


def test_the_citation_and_the_archive_metadata_are_valid_and_agree_on_the_version():
    import tomllib

    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert citation["cff-version"] == "1.2.0" and citation["version"] == zenodo["version"] == version
    assert {"title", "authors", "message", "license"} <= set(citation) and citation["license"] == zenodo["license"]
    assert {r["title"] for r in citation["references"]} >= {
        "On Lyapunov Exponents for RNNs: Understanding Information Propagation Using Dynamical Systems Tools",
        "Long Short-Term Memory Neural Network Equilibria Computation and Analysis"}
    assert {"title", "upload_type", "description", "creators"} <= set(zenodo) and "paper/" in zenodo["description"]
