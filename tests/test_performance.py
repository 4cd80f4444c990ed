"""Benchmark measurement files and the performance page's sentences chosen from them."""

from __future__ import annotations

import json

import pytest
import torch

from lstmdyn.book.measurements import RESULTS, measurement_markdown
from lstmdyn.experiments.performance import (
    authors_comparison,
    batching_sentence,
    blas_threads_sentence,
    equilibria_sentence,
    qr_accuracy_sentence,
    qr_speed_sentence,
    rebuild_sentence,
    tracking_sentence,
)
from lstmdyn.records import Table, read_measurements, table_frame, write_measurement

#: what the performance page reads from each benchmark's file: its tables and its findings
PAGE_READS = {
    "lyapunov": ({"QR methods", "networks", "implementations", "training"}, set()),
    "equilibria": ({"methods"}, set()),
    "equilibria_training": ({"methods"}, {"speedup", "tracked_seconds", "checkpoints", "n", "newton",
                                          "largest_residual", "differ"}),
    "training": ({"tasks"}, set()),
    "ensembles": ({"members per minute"}, {"members", "ratio_charrnn", "ratio_mocap"}),
    "book_build": ({"steps"}, {"clean", "rebuild", "executed_again", "chapters"}),
    "lyapunov-cuda": ({"QR methods", "networks", "throughput", "training", "goals"},
                      {"graph_speedup_512_float32", "cholesky_seconds_512_float32"}),
    "qr_step-cuda": ({"parts of a step"}, {"batch"}),
    "sweep_member-cuda": ({"phases", "sharing", "sweep", "paper member"}, {"best_share", "float32_deviation"}),
    "paper_profile-cuda": ({"training", "analyses"}, set()),
    "blas_threads": ({"find_equilibrium"}, {"cores", "threshold"}),
}


def test_a_measurement_is_written_with_where_when_and_how_and_read_back(tmp_path):
    tables = [Table("QR methods", ["n", "seconds"], [[128, 0.25], [256, torch.tensor(1.5)]])]
    path = write_measurement("demo", tables, threads=3, findings={"ratio": torch.tensor(2.0)}, directory=tmp_path)
    record = read_measurements(tmp_path)["demo"]
    assert json.loads(path.read_text()) == record
    assert record["threads"] == 3 and record["versions"]["torch"] == torch.__version__
    assert record["machine"]["cores"] >= 1 and record["date"][:2] == "20"
    assert record["findings"] == {"ratio": 2.0}
    assert table_frame(record, "QR methods")["seconds"].tolist() == [0.25, 1.5]
    with pytest.raises(KeyError, match=r"has no table 'training'; it has \['QR methods'\]"):
        table_frame(record, "training")
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_measurement("bad", [Table("t", ["x"], [[object()]])], threads=1, directory=tmp_path)


def test_the_markdown_names_the_machine_and_holds_every_row(tmp_path):
    write_measurement("demo", [Table("t", ["method", "found"], [["convex", True], ["paper", None]])], threads=1,
                      directory=tmp_path)
    text = measurement_markdown(read_measurements(tmp_path)["demo"], "demo", [lambda r: "Chosen.", lambda r: None])
    assert text.startswith("Measured on 20") and "1 thread," in text
    assert "| convex | yes |" in text and "| paper | – |" in text and text.endswith("Chosen.")


@pytest.mark.parametrize("name", sorted(PAGE_READS))
def test_each_committed_measurement_has_what_the_page_reads(name):
    record = read_measurements(RESULTS).get(name)
    assert record is not None, f"benchmarks/results/{name}.json is missing: run python benchmarks/{name}.py"
    tables, findings = PAGE_READS[name]
    assert tables <= {t["title"] for t in record["tables"]}
    assert findings <= set(record["findings"])
    assert all(len(row) == len(t["columns"]) for t in record["tables"] for row in t["rows"])


def _lyapunov(times: dict[str, float], deviations: dict[str, float]) -> dict:
    rows = [[n, dtype, qr, times[qr] * n / 128, f"{deviations[qr] if dtype == 'float32' else 1e-13:.1e}", 0]
            for n in (128, 256) for dtype in ("float32", "float64") for qr in ("householder", "cholesky")]
    return {"benchmark": "lyapunov", "machine": {"gpu": None}, "tables": [
        {"title": "QR methods", "columns": ["n", "dtype", "QR", "seconds", "max |Δλ| from float64", "fallbacks"],
         "rows": rows}]}


def test_the_qr_sentences_follow_the_numbers():
    slower = _lyapunov({"householder": 1.0, "cholesky": 3.0}, {"householder": 1e-5, "cholesky": 1.5e-5})
    assert qr_speed_sentence(slower).startswith("On the CPU, Householder QR was faster")
    assert "took 3.0× its time" in qr_speed_sentence(slower)
    faster = _lyapunov({"householder": 2.0, "cholesky": 0.5}, {"householder": 1e-5, "cholesky": 1.5e-5})
    assert "CholeskyQR2 was faster than Householder QR at every size" in qr_speed_sentence(faster)
    assert "(4.0× faster)" in qr_speed_sentence(faster)
    mixed = _lyapunov({"householder": 1.0, "cholesky": 1.0}, {"householder": 1e-5, "cholesky": 1e-5})
    mixed["tables"][0]["rows"][1][3] = 0.5  # Cholesky faster at n = 128 in float32 only
    assert "CholeskyQR2 was faster at n = 128 (float32) and slower elsewhere" in qr_speed_sentence(mixed)
    assert "as accurate as Householder" in qr_accuracy_sentence(slower)
    worse = _lyapunov({"householder": 1.0, "cholesky": 3.0}, {"householder": 1e-5, "cholesky": 5e-5})
    assert "less accurate than (beyond 2×" in qr_accuracy_sentence(worse)


def test_the_other_sentences_follow_the_numbers():
    networks = {"tables": [{"title": "networks", "columns": ["n", "networks", "QR", "one at a time s",
                                                             "together s", "speed-up", "max |Δλ|"],
                            "rows": [[128, 4, "householder", 2.0, 1.0, 2.0, "0"]]}]}
    assert batching_sentence(networks) == "Four networks together were 2.0× faster than one after another."
    networks["tables"][0]["rows"][0][5] = 0.8
    assert batching_sentence(networks) == "Four networks together were slower than one after another (speed-up 0.8×)."
    implementations = {"tables": [{"title": "implementations", "columns": ["n", "method", "package speed-up"],
                                   "rows": [[128, "autograd (vmap)", 4.0]]}]}
    assert authors_comparison(implementations) is None  # not measured: no sentence
    implementations["tables"][0]["rows"] += [[128, "authors' calc_LEs_an", 8.0], [256, "authors' calc_LEs_an", 12.0]]
    assert "8.0× faster at n = 128, 12.0× faster at n = 256: the goal of 10× is not met" in \
        authors_comparison(implementations)
    tracking = {"findings": {"speedup": 2.0, "tracked_seconds": 75.0, "checkpoints": 50, "n": 200, "newton": 40,
                             "largest_residual": 2e-11, "differ": 0}}
    assert "beyond the goal of 60 s" in tracking_sentence(tracking) and "below 1e-10" in tracking_sentence(tracking)
    rebuild = {"findings": {"clean": 100.0, "rebuild": 50.0, "executed_again": 3, "chapters": 9}}
    assert rebuild_sentence(rebuild).endswith("(50 s against 100 s): 3 of the 9 notebooks ran again.")


def test_the_equilibria_sentence_names_who_found_what():
    columns = ["network", "method", "found", "time / convex"]
    rows = [["a", "convex", True, 1.0], ["a", "Newton", True, 0.4], ["a", "paper", True, 2.0],
            ["b", "convex", True, 1.0], ["b", "Newton", False, 0.1], ["b", "paper", True, 3.0]]
    sentence = equilibria_sentence({"tables": [{"title": "methods", "columns": columns, "rows": rows}]})
    assert sentence.startswith("The convex homotopy and the paper's homotopy found the equilibrium of all 2")
    assert "; Newton's method found it for 1 (a)." in sentence
    assert sentence.endswith("faster than the convex homotopy in 1 of 3 cases (Newton's method).")


def test_the_work_model_counts_the_checkpoints_a_training_run_makes():
    from lstmdyn.experiments.paper_profile import chapter_work
    from lstmdyn.experiments.tasks import mnist_task
    from lstmdyn.experiments.trained_equilibria import equilibria_through_training

    units = read_measurements(RESULTS)["paper_profile-cuda"]
    run = equilibria_through_training(mnist_task(hidden=6, seed=0), epochs=2, every=7)  # 20 steps
    p = {"seeds": 1, "mnist_epochs": 2, "mnist_every": 7, "validate_on": 10, "ptb_windows": 0, "ptb_epochs": 1,
         "ptb_every": 1, "notts_samples": 0, "notts_epochs": 1, "notts_every": 1, "sensitivity_seeds": 0}
    work = chapter_work("equilibria_training", p, units)
    assert work["steps:mnist"] == run.steps[-1] == 20
    assert work["fresh homotopy (mnist)"] == len(run.fresh) + len(run.solver) + len(run.paper) == 12
    assert work["tracking (Newton, mnist)"] == len(run.tracked) == 4
    # the MNIST grid: five more settings per seed (Adam 1e-4 and SGD at forget bias 1, all three optimisers at
    # 0), each with the fresh equilibria and, where a run-time forget bias makes it differ, the solver's reading
    more = chapter_work("equilibria_training", {**p, "sensitivity_seeds": 2}, units)
    assert more["steps:mnist"] == 20 + 5 * 2 * 20
    homotopies = {}
    for fb in (0.0, 1.0):
        cell = equilibria_through_training(mnist_task(hidden=6, seed=0, forget_bias=fb), epochs=2, every=7,
                                           full=False)
        homotopies[fb] = len(cell.fresh) + sum(s is not f for s, f in zip(cell.solver, cell.fresh, strict=True))
    assert homotopies == {0.0: 4, 1.0: 8}
    assert more["fresh homotopy (mnist)"] == 12 + 2 * (3 * homotopies[0.0] + 2 * homotopies[1.0]) \
        and more["tracking (Newton, mnist)"] == 4


@pytest.mark.parametrize("ratios, expected", [
    ([1.1, 1.4, 2.0], "one thread was faster at every size measured"),
    ([0.9, 0.5, 0.4], "all cores were faster at every size measured"),
    ([1.2, 1.0, 0.7], "one thread was faster up to n = 50, all cores from n = 200"),
    ([1.2, 0.9, 1.3], "one thread was faster at n = 50 and 400, all cores at the others"),
])
def test_the_blas_threads_sentence_says_which_was_faster_where(ratios, expected):
    """A ratio of exactly 1 is not "one thread faster"; sizes where each won are named where they interleave."""
    record = {"findings": {"cores": 4, "threshold": 256}, "tables": [{
        "title": "find_equilibrium", "columns": ["n", "1 thread s", "all cores s", "all cores / 1 thread"],
        "rows": [[n, 1.0, r, r] for n, r in zip((50, 200, 400), ratios, strict=True)]}]}
    sentence = blas_threads_sentence(record)
    assert sentence.startswith("With 4 BLAS threads the search took ") and " at n = 50 to 400: " in sentence
    assert sentence.endswith(expected + "; the package keeps to one up to n = 256.")
