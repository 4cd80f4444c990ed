"""Results as files: atomic writes, JSON-ready values, measurement records."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lstmdyn.records import Table, json_ready, read_measurements, write_atomically, write_json, write_measurement


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")

    def half_then_fail(p):
        p.write_text("new but incompl")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_text() == "old"  # a plain write would have left the partial text here
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_the_new_file_appears_whole_and_only_at_the_end(tmp_path):
    path = tmp_path / "table.txt"
    seen = []
    write_atomically(path, lambda p: (p.write_text("whole"), seen.append(path.exists())))
    assert seen == [False] and path.read_text() == "whole"


def test_values_are_made_ready_for_json():
    record = {"a": np.float32(0.5), "b": torch.tensor(3), "c": (float("nan"), np.int64(2)), "d": "text"}
    assert json_ready(record) == {"a": 0.5, "b": 3, "c": [None, 2], "d": "text"}


def test_a_results_file_is_written_as_json_with_nan_as_null(tmp_path):
    path = write_json(tmp_path / "chapter.json", {"rho": float("nan"), "n": np.int64(4)})
    assert json.loads(path.read_text()) == {"rho": None, "n": 4}


def test_a_measurement_records_where_when_and_how(tmp_path):
    write_measurement("demo", [Table("t", ["n", "s"], [[1, torch.tensor(0.5)]])], threads=2, directory=tmp_path,
                      findings={"ratio": np.float64(2.0)})
    record = read_measurements(tmp_path)["demo"]
    assert record["tables"][0]["rows"] == [[1, 0.5]] and record["findings"] == {"ratio": 2.0}
    assert record["threads"] == 2 and set(record["machine"]) == {"cpu", "cores", "gpu", "system"}
