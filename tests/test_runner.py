"""The notebook runner and the book build, exercised end to end on a copy of the project."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from sentence_checks import CHECKS, check_page

from conftest import ROOT, copy_project, lstmdyn
from lstmdyn.book.parameters import declared_parameters, resolve
from lstmdyn.book.prose import glued_numbers, typed_numbers
from lstmdyn.book.runner import (
    NotebookError,
    Project,
    package_digest,
    problems,
    rerun_command,
    run_notebook,
    scan_site,
)
from lstmdyn.cli import _parser
from lstmdyn.profiles import NOTEBOOKS, NotebookSpec

MIN_FIGURES = {"lstm_model": 5, "datasets": 10, "learning_to_remember": 5, "equilibria": 4, "equilibria_training": 7,
               "lyapunov": 6, "lyapunov_experiments": 4, "scorecard": 1, "performance": 0}
#: chapters whose prose states computed numbers (the performance page has its numbers in tables and sentences
#: generated from the benchmark files, and only settings in its prose)
GLUED = [chapter for chapter in MIN_FIGURES if chapter != "performance"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("runner") / "project")


def _declared():
    return declared_parameters(jupytext.read(ROOT / "notebooks" / "lstm_model.py"))


def _figures(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in notebook.cells
               for out in cell.get("outputs", []))


def test_unknown_parameter_fails_before_any_work(project):
    result = lstmdyn("run", "lstm_model", "-p", "no_such_param", "1", "--profile", "smoke", cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert "no_such_param" in result.stderr and "valid names: seed, n, T" in result.stderr
    assert not (project / "book" / "generated" / "lstm_model.ipynb").exists()


def test_out_of_range_value_fails_naming_the_parameter(project):
    result = lstmdyn("run", "lstm_model", "-p", "n", "0", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: parameter n must be between 2 and 2048, got 0"


def test_unknown_notebook_lists_the_known_ones(project):
    result = lstmdyn("run", "no_such_chapter", cwd=project)
    assert result.returncode == 2  # bad input
    assert "known: " + ", ".join(sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))) in result.stderr


def test_changed_parameter_shows_on_the_page_and_reruns_are_incremental(project):
    output = project / "book" / "generated" / "lstm_model.ipynb"
    first = lstmdyn("run", "lstm_model", "--profile", "smoke", "-p", "seed", "3", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "executed" in first.stdout
    page = nbformat.read(output, as_version=4)
    note = next(c.source for c in page.cells if "lstmdyn-provenance" in c.metadata.get("tags", []))
    assert "**smoke** profile" in note
    assert "| `seed` | `3` | `0` |" in note  # the value, and the notebook default it replaces
    assert "-p seed 3" in note  # the command that reproduces the page
    assert _figures(page) >= MIN_FIGURES["lstm_model"]
    assert (project / "book" / "generated" / "figures" / "lstm_model" / "carousel.png").is_file()

    mtime = output.stat().st_mtime_ns
    again = lstmdyn("run", "lstm_model", "--profile", "smoke", "-p", "seed", "3", cwd=project)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert output.stat().st_mtime_ns == mtime

    forced = lstmdyn("run", "lstm_model", "--profile", "smoke", "-p", "seed", "3", "--force",
                     cwd=project)
    assert forced.returncode == 0 and "executed" in forced.stdout
    assert output.stat().st_mtime_ns != mtime


def test_a_failing_cell_is_reported_with_its_error_and_not_marked_up_to_date(project, monkeypatch):
    (project / "notebooks" / "broken.py").write_text(
        '# %% tags=["parameters"]\nvalue = 1  # a value\n\n# %%\nraise ValueError(f"boom {value}")\n')
    monkeypatch.setitem(NOTEBOOKS, "broken", NotebookSpec(smoke={}, paper={}))
    expected = ('broken: the cell In [3] starting `raise ValueError(f"boom {value}")` '
                "raised ValueError: boom 1")
    with pytest.raises(NotebookError, match=re.escape(expected)):
        run_notebook("broken", "smoke", project=Project(project), progress=False)
    assert not (project / "book" / "generated" / "broken.key").exists()
    (project / "notebooks" / "broken.py").unlink()


def _complete(generated, name="lstm_model") -> bool:
    """Whether the chapter's notebook is whole: every cell of its source executed, and its key trusts it."""
    source = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    executed = nbformat.read(generated / f"{name}.ipynb", 4)
    code = [c for c in executed.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
            and "injected-parameters" not in c.metadata.get("tags", [])]
    record = json.loads((generated / f"{name}.key").read_text())
    return len(code) == sum(c.cell_type == "code" for c in source.cells) - 1 and all(
        c.get("execution_count") for c in code) and record["notebook"] == hashlib.sha256(
        (generated / f"{name}.ipynb").read_bytes()).hexdigest()


def test_a_killed_run_leaves_nothing_trusted_and_the_next_run_executes_in_full(tmp_path):
    project = copy_project(tmp_path / "project")
    generated = project / "book" / "generated"
    command = [sys.executable, "-m", "lstmdyn", "run", "lstm_model", "--profile", "smoke"]
    process = subprocess.Popen(command, cwd=project, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # kill it while the kernel is executing into its temporary file
            if list(generated.glob(".lstm_model.*.tmp.ipynb")) or process.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not (generated / "lstm_model.key").exists() and not (generated / "lstm_model.ipynb").exists()
    again = lstmdyn("run", "lstm_model", "--profile", "smoke", cwd=project)
    assert again.returncode == 0 and "executed" in again.stdout
    assert _complete(generated) and not list(generated.glob(".lstm_model.*.tmp.ipynb"))


def test_ctrl_c_stops_a_run_with_one_line_and_leaves_no_lock(tmp_path):
    """Ctrl-C reaches the whole foreground process group: the command line and its kernel."""
    project = copy_project(tmp_path / "project")
    generated = project / "book" / "generated"
    command = [sys.executable, "-m", "lstmdyn", "run", "lstm_model", "--profile", "smoke", "--force"]
    process = subprocess.Popen(command, cwd=project, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # interrupt it while the kernel is executing
            if list(generated.glob(".lstm_model.*.tmp.ipynb")) or process.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(1.0)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip() and "cell/s" not in line]
    assert lines == ["error: interrupted"], err[-2000:]
    assert not list(generated.glob(".*.lock")) and not (generated / "lstm_model.key").exists()


def test_two_runs_at_once_execute_the_chapter_once_and_leave_it_whole(tmp_path):
    project = copy_project(tmp_path / "project")
    command = [sys.executable, "-m", "lstmdyn", "run", "lstm_model", "--profile", "smoke"]
    runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate()[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert sorted("executed" in out for out in outputs) == [False, True]  # the second waited, then found it done
    assert _complete(project / "book" / "generated")


@pytest.mark.parametrize("damage", ["truncated", "empty but valid", "edited"])
def test_a_damaged_cached_notebook_is_executed_again(project, damage):
    generated = project / "book" / "generated"
    assert lstmdyn("run", "lstm_model", "--profile", "smoke", cwd=project).returncode == 0
    output = generated / "lstm_model.ipynb"
    if damage == "truncated":
        output.write_bytes(output.read_bytes()[:2000])
    elif damage == "empty but valid":
        nbformat.write(nbformat.v4.new_notebook(), output)
    else:
        output.write_text(output.read_text().replace("lstm", "LSTM", 1))
    again = lstmdyn("run", "lstm_model", "--profile", "smoke", cwd=project)
    assert again.returncode == 0 and "executed" in again.stdout
    assert _complete(generated)


def test_warnings_written_by_a_cell_are_problems():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stderr", text="100%|###| 3/3\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a.py:1: RuntimeWarning: overflow\n")])])
    assert problems(nb) == ["cell 0 wrote to stderr: a.py:1: RuntimeWarning: overflow"]


def test_site_scan_finds_tracebacks(tmp_path):
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_text("")
    (tmp_path / "page.html").write_text("<pre>Traceback (most recent call last):</pre>")
    assert scan_site(tmp_path) == ["page.html: Traceback (most recent call last)"]


# ---- the whole book at the smoke profile


def test_book_builds_at_smoke_profile_with_warnings_as_errors(smoke_book):
    project, result = smoke_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (project / "_build" / "html" / "index.html").is_file()


def test_building_prints_one_line_per_chapter_and_no_kernel_warning(smoke_book):
    _, result = smoke_book
    lines = (result.stdout + result.stderr).replace("\r", "\n").splitlines()
    assert not [line for line in lines if "WARNING" in line and "Kernel" in line]
    for chapter in MIN_FIGURES:
        assert sum(line.startswith(f"{chapter}: executed in") for line in lines) == 1, chapter
    # before each chapter, where the build is (no measured time: the measured build is at another profile)
    announced = [line for line in lines if re.match(r"\[\d+/\d+\] ", line)]
    assert [line.split()[1] for line in announced] == list(Project(ROOT).chapters())
    assert announced[0] == f"[1/{len(MIN_FIGURES)}] {announced[0].split()[1]} (smoke) …"


@pytest.mark.parametrize("chapter", sorted(MIN_FIGURES))
def test_each_chapter_page_shows_its_figures_and_how_it_was_made(smoke_book, chapter):
    project, _ = smoke_book
    page = nbformat.read(project / "book" / "generated" / f"{chapter}.ipynb", as_version=4)
    assert _figures(page) >= MIN_FIGURES[chapter]
    html = (project / "_build" / "html" / "book" / "generated" / f"{chapter}.html").read_text()
    assert "How this page was produced" in html and "<strong>smoke</strong> profile" in html
    assert html.count("<img") >= MIN_FIGURES[chapter]


#: The longest plain-text output a chapter may show: a short excerpt of a data set, a few printed numbers. Anything
#: longer is a repr left by a bare call or a dump, and belongs in a table, a figure or a code block.
LONGEST_TEXT_OUTPUT = 500


def long_text_outputs(page: nbformat.NotebookNode) -> list[str]:
    """Plain-text outputs of an executed notebook longer than :data:`LONGEST_TEXT_OUTPUT` characters: printed
    streams, and results that have no HTML, Markdown or image form."""
    found = []
    for number, cell in enumerate(page.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.output_type == "stream":
                text = output.text
            elif output.output_type in ("execute_result", "display_data") and not {
                    "text/html", "text/markdown", "image/png", "image/svg+xml"} & set(data):
                text = data.get("text/plain", "")
            else:
                continue
            if len(text) > LONGEST_TEXT_OUTPUT:
                found.append(f"cell {number}: {len(text)} characters of text ({text[:60]!r}…)")
    return found


def test_long_text_outputs_are_found():
    bare = nbformat.v4.new_code_cell("result", outputs=[nbformat.v4.new_output(
        "execute_result", {"text/plain": "TrainingResult(" + "x" * 600 + ")"}, execution_count=1)])
    table = nbformat.v4.new_code_cell("frame", outputs=[nbformat.v4.new_output(
        "execute_result", {"text/plain": "y" * 900, "text/html": "<table></table>"}, execution_count=2)])
    short = nbformat.v4.new_code_cell("print", outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                text="z" * LONGEST_TEXT_OUTPUT)])
    page = nbformat.v4.new_notebook(cells=[bare, table, short])
    assert [line.split(":")[0] for line in long_text_outputs(page)] == ["cell 0"]


@pytest.mark.parametrize("chapter", sorted(MIN_FIGURES))
def test_no_chapter_shows_a_long_plain_text_output(smoke_book, chapter):
    project, _ = smoke_book
    page = nbformat.read(project / "book" / "generated" / f"{chapter}.ipynb", as_version=4)
    assert long_text_outputs(page) == []


def test_the_reference_list_is_labelled_as_the_citations_read(smoke_book):
    project, _ = smoke_book
    page = (project / "_build" / "html" / "book" / "references.html").read_text()
    labels = re.findall(r'<span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>', page)
    assert "Amrouche et al. 2019" in labels and "Hochreiter and Schmidhuber 1997" in labels
    assert all(re.fullmatch(r"[^\d]+ \d{4}[a-z]?", label) for label in labels), labels
    assert "10.3389/fams.2022.818799" in page and "HomotopyFixedPointPCSolver" in page


def test_chapters_of_the_toc_all_have_profiles(smoke_book):
    project, _ = smoke_book
    assert set(Project(project).chapters()) <= set(NOTEBOOKS)
    assert set(Project(project).chapters()) == set(MIN_FIGURES)


def test_site_has_no_error_output_and_serves_mathjax_locally(smoke_book):
    project, _ = smoke_book
    html = project / "_build" / "html"
    assert scan_site(html) == []
    page = (html / "book" / "generated" / "lstm_model.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page
    assert "cdn.jsdelivr.net/npm/mathjax" not in page


def test_second_book_build_executes_no_notebook(smoke_book):
    project, _ = smoke_book
    keys = {p.name: p.read_text() for p in (project / "book" / "generated").glob("*.key")}
    result = lstmdyn("book", "--profile", "smoke", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "executed" not in result.stdout
    assert result.stdout.count("up to date") == len(MIN_FIGURES)
    assert {p.name: p.read_text() for p in (project / "book" / "generated").glob("*.key")} == keys


def test_rerun_command_on_the_page_reproduces_the_values_through_the_shell():
    overrides = {"gains": [0.5, 1.0], "seed": 3}
    command = rerun_command("lstm_model", "smoke", overrides)
    args = _parser().parse_args(shlex.split(command)[3:])  # what the shell hands to the program
    assert args.profile == "smoke"
    assert resolve("lstm_model", _declared(), "smoke", dict(args.parameter))["gains"] == [0.5, 1.0]
    assert resolve("lstm_model", _declared(), "smoke", dict(args.parameter))["seed"] == 3


def test_params_lists_every_parameter_with_its_three_profiles(project):
    result = lstmdyn("params", "lstm_model", cwd=project)
    assert result.returncode == 0
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(lines) == set(_declared())
    assert lines["n"][1:4] == [str(NOTEBOOKS["lstm_model"].smoke["n"]), "64", str(NOTEBOOKS["lstm_model"].paper["n"])]


def test_the_cache_key_follows_what_shapes_a_page_not_the_machinery_that_runs_it(tmp_path):
    package = tmp_path / "lstmdyn"
    shutil.copytree(ROOT / "lstmdyn", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_digest(package)
    for machinery in ("cli.py", "book/verbs.py", "book/runner.py"):
        (package / machinery).write_text("# edited\n", encoding="utf-8")
        assert package_digest(package) == before, machinery
    for science in ("cells.py", "experiments/tasks.py", "data/registry.toml", "book/plotting.py"):
        with (package / science).open("a") as f:
            f.write("# edited\n")
        assert package_digest(package) != before, science
        before = package_digest(package)


#: literals that quote a paper's setting or value: 100 MNIST images, the 80/20 split of the motion-capture files,
#: the claimed modulus 0.99, the 10 sequences of 100 steps of a spectrum (and the 10-90 % bands of the figures),
#: TensorFlow's small PTB model (13 epochs, 20 steps, perplexity about 120)
QUOTED = {"datasets": {"100", "20"}, "equilibria": {"0.99"},
          "equilibria_training": {"0.81", "0.99", "80", "68", "10", "100", "13", "20", "120"},
          "lyapunov": {"10", "100"},
          "lyapunov_experiments": {"10", "100", "0.05", "0.5", "0.08", "0.106"}, "scorecard": {"10", "100"}}


@pytest.mark.parametrize("chapter", GLUED)
def test_no_number_in_the_prose_is_typed_where_the_notebook_computes_it(smoke_book, chapter):
    project, _ = smoke_book
    nb = nbformat.read(project / "book" / "generated" / f"{chapter}.ipynb", 4)
    assert len(glued_numbers(nb)) >= 3  # the scan has values to compare with
    assert typed_numbers(nb, allowed=QUOTED.get(chapter, set())) == []


def test_the_scorecard_is_generated_from_every_chapter_with_a_verdict_and_criterion_per_claim(smoke_book):
    import jsonschema

    from lstmdyn.experiments.scorecard import SCHEMA

    project, _ = smoke_book
    record = json.loads((project / "book" / "generated" / "scorecard.json").read_text())
    jsonschema.validate(record, SCHEMA)
    assert "not yet run" not in record["counts"]  # every chapter ran before the scorecard
    assert {c["profile"] for c in record["claims"]} == {"smoke"} and len(record["claims"]) >= 11
    html = (project / "_build" / "html" / "book" / "generated" / "scorecard.html").read_text()
    assert html.count('href="lyapunov_experiments.html"') >= 4


def test_the_eigenvalue_animation_is_on_the_page(smoke_book):
    project, _ = smoke_book
    html = (project / "_build" / "html" / "book" / "generated" / "equilibria_training.html").read_text()
    assert re.search(r'<img[^>]+src="[^"]+\.gif"', html)


@pytest.mark.parametrize("chapter", sorted(MIN_FIGURES))
def test_each_figure_has_a_caption_and_its_data_for_download(smoke_book, chapter):
    project, _ = smoke_book
    html = project / "_build" / "html"
    page = (html / "book" / "generated" / f"{chapter}.html").read_text()
    assert page.count("<strong>Figure.</strong>") >= MIN_FIGURES[chapter]
    links = re.findall(r'href="([^"]+\.csv)"', page)
    assert len(links) >= MIN_FIGURES[chapter] - 2  # images (digits, piano rolls) have no line data
    for link in links:
        table = (html / "book" / "generated" / link).resolve()
        assert table.is_file() and table.read_text().startswith("panel,series,x,y"), link


def test_the_site_settings_need_a_github_repository_address(tmp_path):
    from lstmdyn.book.runner import site_config

    (tmp_path / "_config.yml").write_text("title: t\n")
    with pytest.raises(NotebookError, match="OWNER/NAME"):
        site_config(Project(tmp_path), "https://gitlab.com/owner/book")


def _record_failed(results: Path, failing: dict[str, int | None]) -> str:
    """Record the first ``count`` smoke members of each sweep in ``failing`` as failed (all of them for None)."""
    from lstmdyn import sweeps
    from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, sweep_members

    error = "TrainingError: non-finite loss at step 3 (epoch 0, batch 2)"
    for name, count in failing.items():
        for member in sweep_members(name, SWEEP_PROFILES["smoke"])[:count]:
            sweeps._record(results / name, sweeps.member_key(member), member,
                           {"status": "failed", "error": error, "device": "cpu", "worker": "", "seconds": 0.0}, [])
    return error


def test_the_sweeps_chapter_lists_failed_members_instead_of_crashing(tmp_path):
    """Every member of one claim's sweep and one member of the other failed in an earlier run: the chapter shows
    them in a table, judges what the finished members allow, and says that the rest did not run. (A sweep of no
    members at all, the motion-capture one included, is run by tests/test_parameter_edges.py.)"""
    from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, sweep_members

    empty, partial = "charrnn", "mocap"

    project = copy_project(tmp_path / "project")
    results = tmp_path / "results"
    error = _record_failed(results, {empty: None, partial: 1})
    env = {**os.environ, "LSTMDYN_RESULTS": str(results)}
    run = subprocess.run([sys.executable, "-m", "lstmdyn", "run", "lyapunov_experiments", "--profile", "smoke"],
                         cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    generated = project / "book" / "generated"
    assert error in (generated / "lyapunov_experiments.ipynb").read_text()
    record = json.loads((generated / "lyapunov_experiments.json").read_text())
    everyone = len(sweep_members(empty, SWEEP_PROFILES["smoke"]))
    assert record["sweeps"][empty]["failed"] == everyone and record["sweeps"][partial]["failed"] == 1
    assert record["sweeps"][empty]["members"] == []
    verdicts = {o["key"]: o["verdict"] for o in record["outcomes"]}
    assert verdicts[f"vogt.{empty}"] == "untested" and verdicts[f"vogt.{partial}"] not in ("untested", "not run")


def test_a_sweeps_chapter_without_one_finished_network_says_so_in_one_line(tmp_path):
    """Every member of every sweep failed: no page, exit 1, one line naming each sweep, its failures and where
    the errors are."""
    from lstmdyn.experiments.sweep_member import SWEEP_PROFILES, SWEEPS, sweep_members

    project = copy_project(tmp_path / "project")
    results = tmp_path / "results"
    _record_failed(results, dict.fromkeys(SWEEPS))
    env = {**os.environ, "LSTMDYN_RESULTS": str(results)}
    run = subprocess.run([sys.executable, "-m", "lstmdyn", "run", "lyapunov_experiments", "--profile", "smoke"],
                         cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode == 1
    error = [line for line in run.stderr.replace("\r", "\n").splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    line = error[0].split("no network of the sweeps finished: ", 1)[1]
    counts, where = line.split("; ", 1)
    sizes = {name: len(sweep_members(name, SWEEP_PROFILES["smoke"])) for name in SWEEPS}
    assert sorted(counts.split(", ")) == sorted(f"{name} {n} of {n} failed" for name, n in sizes.items())
    assert sizes["charrnn"] == 4 and sizes["charrnn_init"] == 2
    assert where.startswith(f"the errors are in the column `error` of {results}/NAME/members/*.parquet")
    assert not (project / "book" / "generated" / "lyapunov_experiments.ipynb").exists()


@pytest.mark.parametrize("chapter", sorted(CHECKS))
def test_outcome_sentences_follow_their_conditions_at_the_defaults(smoke_book, chapter):
    project, _ = smoke_book
    check_page(chapter, project / "book" / "generated" / f"{chapter}.ipynb")


def test_a_chapter_lock_is_removed_when_its_run_ends_interrupted_or_not_and_still_excludes(tmp_path):
    import threading

    from lstmdyn.book.runner import _chapter_lock

    lock = tmp_path / ".chapter.lock"
    with _chapter_lock(lock):
        assert lock.exists()
    assert not lock.exists()
    with pytest.raises(KeyboardInterrupt), _chapter_lock(lock):
        raise KeyboardInterrupt
    assert not lock.exists()
    inside, overlaps = [], []

    def hold(k):
        for _ in range(20):
            with _chapter_lock(lock):
                inside.append(k)
                if len(inside) > 1:
                    overlaps.append(list(inside))
                time.sleep(0.001)
                inside.remove(k)

    threads = [threading.Thread(target=hold, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [] and not lock.exists()
