"""The loaders against the sanity figures of each data set's PROVENANCE.md, and the synthetic tasks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from lstmdyn.data import (
    MelodyChordCode,
    batchify,
    bptt_windows,
    char_sequences,
    load_mnist_rows,
    load_mocap,
    load_piano_rolls,
    load_ptb,
    load_war_and_peace,
    melody_chord_windows,
    roll_windows,
)
from lstmdyn.data.mocap import mocap_sequences
from lstmdyn.data.registry import fetch, restricted_load
from lstmdyn.data.synthetic import (
    SYMBOLS,
    alternation,
    binary_counting,
    embedded_reber_string,
    is_embedded_reber,
    is_reber,
    legal_next,
    one_hot,
    reber_string,
    to_bits,
)


def test_mnist_rows_match_the_provenance_figures():
    data, info = load_mnist_rows()
    assert data["train_x"].shape == (100, 28, 28) and data["test_x"].shape == (10_000, 28, 28)
    assert 0.0 <= data["train_x"].min() and data["train_x"].max() <= 1.0
    assert data["train_y"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert torch.bincount(data["train_y"]).tolist() == [13, 14, 6, 11, 11, 5, 11, 10, 8, 11]
    assert torch.bincount(data["test_y"]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert (data["test_x"] * 255).mean().item() == pytest.approx(33.79, abs=0.01)
    assert info.facts["classes"] == 10


def test_ptb_has_the_published_token_counts_and_vocabulary():
    ids, vocabulary, info = load_ptb()
    assert [len(ids[s]) for s in ("train", "valid", "test")] == [929_589, 73_760, 82_430]
    assert len(vocabulary) == 10_000 and "<eos>" in vocabulary and "<unk>" in vocabulary
    assert (ids["train"] == vocabulary.index("<unk>")).sum().item() == 45_020


def test_ptb_windows_predict_the_next_token():
    streams = batchify(torch.arange(103), 4)
    assert streams.shape == (4, 25)
    windows = bptt_windows(streams, 6)
    assert len(windows) == 4
    x, y = windows[1]
    assert torch.equal(y, x + 1) and x[0].tolist() == [6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize(("name", "counts", "pitches", "midi"), [
    ("nottingham", (694, 173, 170), 63, (31, 93)), ("jsb_chorales", (229, 76, 77), 54, (43, 96))])
def test_piano_rolls_are_cropped_to_the_pitches_used(name, counts, pitches, midi):
    rolls, info = load_piano_rolls(name)
    assert tuple(len(rolls[s]) for s in ("train", "valid", "test")) == counts
    assert rolls["train"][0].shape[1] == pitches == info.facts["pitches"]
    assert (info.facts["lowest_midi"], info.facts["highest_midi"]) == midi
    used = torch.cat(rolls["train"] + rolls["valid"] + rolls["test"]).any(0)
    assert used[0] and used[-1]  # the lowest and highest columns sound somewhere
    assert set(torch.cat(rolls["train"]).unique().tolist()) == {0.0, 1.0}


def test_nottingham_totals_match_the_provenance_figures():
    rolls, _ = load_piano_rolls("nottingham")
    assert [sum(len(r) for r in rolls[s]) for s in ("train", "valid", "test")] == [176_561, 45_513, 44_463]
    every = torch.cat(rolls["train"] + rolls["valid"] + rolls["test"])
    assert every.any(0).sum() == 58 and every.sum(1).max() == 9  # distinct pitches, maximal polyphony
    assert every.sum(1).mean().item() == pytest.approx(3.97, abs=0.01)


def test_roll_windows_pair_each_frame_with_the_next():
    roll = torch.arange(22.0).view(11, 2)
    x, y = roll_windows([roll], 5)
    assert x.shape == (2, 5, 2) and torch.equal(y[0], roll[1:6])


def test_the_melody_chord_code_splits_each_frame_into_its_highest_note_and_the_rest():
    roll = torch.zeros(5, 80)
    roll[0, [10, 14, 17, 40]] = 1  # chord 10–14–17 under melody 40
    roll[1, [10, 14, 17, 40]] = 1
    roll[2, [10, 14, 17, 79]] = 1  # a melody note far above the others: moved down by octaves
    roll[3, [3, 5]] = 1  # melody 5 over the chord (3,); the last frame is silent: a rest, the empty chord
    code = MelodyChordCode.fit([roll])
    codes = code.encode(roll)
    assert code.chords[0] == (10, 14, 17) and codes[:3, 1].tolist() == [0, 0, 0]
    melody = code.low + codes[:4, 0] - 1  # back to roll columns
    assert melody[:2].tolist() == [40, 40] and (79 - melody[2].item()) % 12 == 0 and codes[4].tolist()[0] == 0
    assert code.low <= 40 < code.low + code.PITCHES
    unseen = torch.zeros(1, 80)
    unseen[0, [1, 2, 60]] = 1
    assert code.chords == ((10, 14, 17), (3,), ()) and code.encode(unseen)[0, 1].item() == code.CLASSES - 1
    inputs, targets = melody_chord_windows([roll], code, 3)
    assert inputs.shape == (1, 3, 68) and torch.equal(inputs[0].view(3, 2, 34).argmax(-1), codes[:3])
    assert torch.equal(targets[0], codes[1:4])
    # the folded frames are exactly the ones whose highest note encode moved (by whole octaves)
    highest = [max(torch.nonzero(f).flatten().tolist(), default=None) for f in roll]
    moved = [h is not None and code.low + int(c) - 1 != h for h, c in zip(highest, codes[:, 0], strict=True)]
    assert code.folded(roll).tolist() == moved and moved[2] and not moved[0]


def test_the_reconstructed_nottingham_code_covers_the_melodies_and_most_chords():
    rolls, _ = load_piano_rolls("nottingham")
    code = MelodyChordCode.fit(rolls["train"])
    codes = code.encode(torch.cat(rolls["valid"]))
    assert len(code.chords) == 33 and () in code.chords
    assert codes[:, 0].max() <= 33 and (codes[:, 1] == 33).double().mean() < 0.1


def test_war_and_peace_has_82_characters_and_an_80_10_10_split():
    splits, vocabulary, info = load_war_and_peace()
    assert info.facts["characters"] == 3_202_303 and len(vocabulary) == 82
    assert sum(len(v) for v in splits.values()) == 3_202_303
    assert len(splits["train"]) == int(0.8 * 3_202_303)
    char_to_int, _ = restricted_load(fetch("war_and_peace", "vocab.pkl"))
    assert set(char_to_int) == set(vocabulary)  # the same characters as the authors' vocabulary
    x, y = char_sequences(splits["valid"], 100)
    assert x.shape[1] == 100 and torch.equal(x[0, 1:], y[0, :-1])


def test_restricted_unpickler_reads_the_plain_vocabulary_pickle_like_pickle_does():
    path = fetch("war_and_peace", "vocab.pkl")
    assert restricted_load(path) == pickle.loads(path.read_bytes())


def test_mocap_keeps_70_dimensions_and_20_features():
    splits, info = load_mocap()
    assert info.facts["dimensions"] == 117 and info.facts["used_dimensions"] == 70
    assert info.facts["training_frames"] == 4338  # files 1-4 of each action, every second frame kept
    x, y = splits["train"]
    assert x.shape[1:] == (25, 20) and torch.equal(x[0, 1:], y[0, :-1])


def test_mocap_is_normalised_with_statistics_of_the_training_split_alone():
    sequences, _ = mocap_sequences()
    train = np.concatenate(list(sequences["train"].values()))
    np.testing.assert_allclose(train.mean(0), 0.0, atol=1e-10)  # exactly z-scored on the training files
    np.testing.assert_allclose(train.std(0), 1.0, atol=1e-10)
    valid = np.concatenate(list(sequences["valid"].values()))
    assert np.abs(valid.mean(0)).max() > 0.1  # the validation file did not take part


def test_reber_strings_are_accepted_and_corrupted_ones_rejected():
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = reber_string(rng)
        assert is_reber(s)
        k = rng.integers(1, len(s) - 1)
        wrong = next(c for c in SYMBOLS if c not in legal_next(s)[k - 1])
        assert not is_reber(s[:k] + wrong + s[k + 1:])
        e = embedded_reber_string(rng)
        assert is_embedded_reber(e)
        assert not is_embedded_reber(e[:-2] + ("P" if e[1] == "T" else "T") + "E")  # the long dependency


def test_legal_next_symbols_of_the_embedded_grammar_carry_the_second_symbol():
    s = "BPBTXSEPE"
    legal = legal_next(s, embedded=True)
    assert len(legal) == len(s) and legal[0] == {"T", "P"} and legal[6] == {"P"} and legal[-1] == set()
    assert all(s[t + 1] in legal[t] for t in range(len(s) - 1))


def test_counting_and_alternation_encode_numbers_in_four_bits():
    np.testing.assert_array_equal(to_bits(np.array([1, 9])), [[0, 0, 0, 1], [1, 0, 0, 1]])
    counting = binary_counting(repeats=2)
    assert counting.shape == (18, 4) and np.array_equal(counting[9], counting[0])
    assert alternation(3, 5, 4).tolist() == to_bits(np.array([3, 5, 3, 5])).tolist()
    assert one_hot("BE").tolist() == [[1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1]]
    with pytest.raises(ValueError, match="fit in 4 bits"):
        to_bits(np.array([16]))


def test_the_data_chapters_paper_profile_is_one_epoch_of_each_task():
    """The counts in the profile table and in the parameters' help come from the data, not from memory."""
    import jupytext

    from conftest import ROOT
    from lstmdyn.book.parameters import declared_parameters
    from lstmdyn.experiments.tasks import nottingham_task, ptb_task, war_and_peace_task
    from lstmdyn.profiles import NOTEBOOKS

    epochs = {"ptb_windows": len(ptb_task().train.inputs), "nottingham_samples": len(nottingham_task().train.inputs),
              "char_samples": len(war_and_peace_task(hidden=1).train.inputs)}
    spec = NOTEBOOKS["datasets"]
    declared = declared_parameters(jupytext.read(ROOT / "notebooks" / "datasets.py"))
    for name, size in epochs.items():
        assert spec.paper[name] == size and spec.limits[name][1] == size, name
        assert f"an epoch has {size})" in declared[name].help, name
