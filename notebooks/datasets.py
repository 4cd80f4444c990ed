# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The data sets
#
# The experiments of both papers train LSTMs on real data: handwritten digits read row by row, Penn
# Treebank words and Nottingham folk tunes in {cite:t}`amrouche2019`; Tolstoy's *War and Peace* character
# by character and human motion capture in {cite:t}`vogt2022`. This chapter shows each data set as the
# package loads it: where it comes from and under which terms, what it looks like, how it is prepared, and
# a short training run of the model the experiments use (at this page's profile, a small fraction of the
# papers' training) against trivial baselines that any model must beat before it can be said to have learned
# anything. Every file is read through the registry `lstmdyn/data/registry.toml`, which checks its sha256;
# nothing here is synthetic.
#
# **Reproduces:** the data and models of the experiments: {cite:t}`amrouche2019` section 4 (4.1 MNIST,
# 4.2 Penn Treebank, 4.3 Nottingham) and {cite:t}`vogt2022` section 5 with appendix A (A.1 War and Peace,
# A.2 CMU motion capture), at the sizes of this page's profile.

# %% tags=["parameters"]
seed = 0  # random seed of every training run on this page
mnist_epochs = 30  # epochs over the 100 MNIST training images
ptb_windows = 1000  # training windows of 20 streams × 20 words (an epoch has 2323)
nottingham_samples = 3177  # training windows of 50 frames (an epoch has 3177)
nottingham_epochs = 10  # passes over those windows
char_hidden = 128  # units of the CharRNN (512 in the paper)
char_samples = 12000  # training sequences of 100 characters (an epoch has 25618)
mocap_epochs = 10  # epochs over the motion-capture windows
validations = 5  # validation points per training run

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from lstmdyn.book.page import glue_numbers, glue_text, record_table
from lstmdyn.book.plotting import save, training_figure, use_style
from lstmdyn.data import MelodyChordCode, load_mnist_rows, load_mocap, load_piano_rolls, load_ptb, load_war_and_peace
from lstmdyn.data.mocap import ACTIONS, mocap_sequences
from lstmdyn.experiments.baselines import against_baselines, learned_summary, majority_accuracy, task_baselines
from lstmdyn.experiments.tasks import (
    mnist_task,
    mocap_task,
    nottingham_task,
    ptb_task,
    train_briefly,
    war_and_peace_task,
)
from lstmdyn.names import counted

use_style()
finals = {}  # each task's final validation loss and its baselines, for the summary


def brief_run(task, epochs: int, name: str, ylabel: str, title: str, caption: str):
    """Train ``task`` briefly, draw its curves beside its baselines, and glue the comparison as ``{name}_baselines``."""
    result, baselines = train_briefly(task, epochs, validations), task_baselines(task)
    save(training_figure(result, ylabel, title, baselines), f"datasets/{name}_training",
         caption=caption + " Horizontal lines: the validation loss of the trivial baselines.")
    loss = result.validation[-1][1]
    finals[task.name] = loss, baselines
    glue_numbers(**{f"{name}_loss": loss, f"{name}_seconds": result.seconds,
                    f"{name}_best_baseline": baselines[0].loss, f"{name}_worst_baseline": baselines[-1].loss})
    glue_text(**{f"{name}_baselines": against_baselines(loss, baselines)})
    return result


# %% [markdown]
# ## MNIST, row by row
#
# {cite:t}`amrouche2019` (section 4.1) feed each image to the LSTM as a sequence of its rows and classify
# the digit from the last hidden state; they train on 100 images only. The registry holds exactly the first
# {glue:text}`mnist_train` training images (the widely shared CSV of T. Rashid's book) and the
# {glue:text}`mnist_test` test images; the full training images are not needed. Each image enters as
# {glue:text}`mnist_rows` time steps of {glue:text}`mnist_width` pixels, scaled to $[0, 1]$. The paper also
# describes "the input layer consisting of 10 neurons", which a row of {glue:text}`mnist_width` pixels does
# not match; we follow its description of the inputs as the pixel intensities of one row.

# %%
mnist, info = load_mnist_rows()
display(record_table(info))
glue_numbers(mnist_train=info.facts["train"], mnist_test=info.facts["test"], mnist_rows=info.facts["steps"],
             mnist_width=info.facts["input_width"])
fig, axes = plt.subplots(1, 10, figsize=(8.5, 1.4))
for k, ax in enumerate(axes):
    ax.imshow(mnist["train_x"][k], cmap="gray_r")
    ax.set(title=f"label {mnist['train_y'][k].item()}", xticks=[], yticks=[])
fig.suptitle("the first ten training images (rows are the time steps)")
save(fig, "datasets/mnist_digits",
     caption="The first ten MNIST training images; each row of pixels is one time step of the input.")

# %%
task = mnist_task(seed=seed)
brief_run(task, mnist_epochs, "mnist", "cross-entropy", f"MNIST rows, n = 128: {counted(mnist_epochs, 'epoch')} over 100 images",
          f"Training loss per step (running mean) and validation loss on the first {len(task.valid.inputs)} test images of the MNIST-rows LSTM (128 units, Adam) over {counted(mnist_epochs, 'epoch')} of the 100 training images, seed {seed}.")
with torch.no_grad():
    accuracy = (task.model(task.valid.inputs)[0].argmax(1) == task.valid.targets).float().mean().item()
glue_numbers(mnist_accuracy=100 * accuracy, mnist_valid=len(task.valid.inputs),
             mnist_majority=100 * majority_accuracy(task.train.targets, task.valid.targets))
glue_text(mnist_accuracy_comparison="above" if accuracy > majority_accuracy(task.train.targets, task.valid.targets)
          else "no better than")

# %% [markdown]
# After these epochs ({glue:text}`mnist_seconds:.0f` s), the network classifies {glue:text}`mnist_accuracy:.1f` %
# of the first {glue:text}`mnist_valid` *test* images correctly, {glue:md}`mnist_accuracy_comparison` the
# {glue:text}`mnist_majority:.1f` % of always answering the most frequent training digit. Its test
# cross-entropy, {glue:text}`mnist_loss:.3f`, is {glue:md}`mnist_baselines`. A hundred training images leave
# it far from a good classifier, which is not the papers' point: they follow how its dynamics change during
# training.
#
# ## Penn Treebank words
#
# Mikolov's version of the Penn Treebank (section 4.2 of the paper): Wall Street Journal text with a
# vocabulary of {glue:text}`ptb_vocabulary` words, rare words replaced by `<unk>`, numbers by `N`. Each line is a sentence, and
# the loader appends `<eos>` to every line. For truncated backpropagation through time, the token stream is
# cut into {glue:text}`ptb_streams` parallel streams read in windows of {glue:text}`ptb_window` words, the
# LSTM state carried from one window to the next; an epoch has {glue:text}`ptb_epoch` windows.

# %%
ptb, vocabulary, info = load_ptb()
display(record_table(info))
print(" ".join(vocabulary[i] for i in ptb["train"][:60]))
counts = torch.bincount(ptb["train"], minlength=len(vocabulary)).sort(descending=True).values.numpy()
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.loglog(np.arange(1, len(counts) + 1), counts)
ax.set(xlabel="rank of the word", ylabel="occurrences in training", title="word frequencies (Zipf's law)")
save(fig, "datasets/ptb_frequencies",
     caption="Occurrences of each word in the PTB training text against its frequency rank, on log axes.")

# %%
task = ptb_task(windows=ptb_windows, seed=seed)
glue_numbers(ptb_streams=task.train.inputs.shape[1], ptb_window=task.train.inputs.shape[2],
             ptb_epoch=len(ptb_task().train.inputs))
result = brief_run(task, 1, "ptb", "cross-entropy (nats per word)", f"PTB, n = 200: {counted(ptb_windows, 'window')}",
                   f"Training and validation cross-entropy of the PTB language model (200 units, SGD) over {counted(ptb_windows, 'window')}, seed {seed}.")
unigram = next(b for b in task_baselines(task) if b.name.startswith("unigram"))
glue_numbers(ptb_perplexity=np.exp(result.validation[-1][1]), ptb_vocabulary=len(vocabulary),
             ptb_unigram=np.exp(unigram.loss))

# %% [markdown]
# After {glue:text}`ptb_seconds:.0f` s the validation cross-entropy is {glue:text}`ptb_loss:.2f` nats per word,
# a perplexity of {glue:text}`ptb_perplexity:.0f`, against {glue:text}`ptb_unigram:.0f` for the unigram model
# that predicts every word with its training frequency and {glue:text}`ptb_vocabulary` for a uniform guess:
# the loss is {glue:md}`ptb_baselines`. The unigram model is fitted on the same training windows as the network.
#
# ## Nottingham folk tunes, and Bach chorales
#
# Boulanger-Lewandowski et al.'s piano rolls of the Nottingham folk-tune collection (section 4.3): one row
# per time step, one column per key, 1 where a note sounds. The loader crops the 88 keys of a piano to the
# range actually used in any split: {glue:text}`notts_keys` keys (MIDI {glue:text}`notts_low` to
# {glue:text}`notts_high`). The registry also holds the JSB chorales in the same format, shown for comparison;
# the papers' experiments do not use them.
#
# {cite:t}`amrouche2019` feed their network inputs of width 68, "the first half of the input vector
# represents the basic musical notes (or the melodies) and the second part the chords", an encoding that is
# not public. We reconstruct one from the rolls (`lstmdyn.data.music.MelodyChordCode`, fitted on the training
# tunes): the *melody* of a frame is its highest sounding note, one of 34 values, a rest or one of the 33
# consecutive pitches that hold the most melody notes (MIDI {glue:text}`melody_low` to
# {glue:text}`melody_high`; {glue:text}`melody_folded:.2f` % of the training frames have a melody note outside
# them, moved in by octaves); the *chord* is the set of the other sounding notes, one of the 33 most frequent
# sets or "other" ({glue:text}`chord_other:.1f` % of the training frames). The input is the two one-hot vectors
# side by side, and the network predicts the next frame's melody and chord with two softmax outputs (the sum
# of their cross-entropies). The piano roll itself stays available as a variation (`encoding="piano_roll"`,
# one binary output per key). An epoch has {glue:text}`notts_epoch` windows of 50 frames.

# %%
notts, info = load_piano_rolls("nottingham")
jsb, jsb_info = load_piano_rolls("jsb_chorales")
display(record_table(info))
code = MelodyChordCode.fit(notts["train"])
frames = torch.cat(notts["train"])
codes = code.encode(frames)
glue_numbers(notts_keys=info.facts["pitches"], notts_low=info.facts["lowest_midi"],
             notts_high=info.facts["highest_midi"], notts_epoch=len(nottingham_task().train.inputs),
             melody_low=info.facts["lowest_midi"] + code.low,
             melody_high=info.facts["lowest_midi"] + code.low + code.PITCHES - 1,
             melody_folded=100 * code.folded(frames).double().mean().item(),
             chord_other=100 * (codes[:, 1] == code.CLASSES - 1).double().mean().item())
fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.0))
for ax, rolls, record, title in ((axes[0], notts, info, "a Nottingham tune"), (axes[1], jsb, jsb_info, "a Bach chorale")):
    roll = rolls["train"][0][:200].T
    ax.imshow(roll, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
              extent=(0, roll.shape[1], record.facts["lowest_midi"] - 0.5, record.facts["highest_midi"] + 0.5))
    ax.set(xlabel="time step", ylabel="MIDI pitch", title=f"{title}: {record.facts['pitches']} keys")
save(fig, "datasets/piano_rolls",
     caption="The first 200 frames of the first training tune of Nottingham and of the JSB chorales: keys sounding at each time step.")

# %%
task = nottingham_task(samples=nottingham_samples, seed=seed)
result = brief_run(task, nottingham_epochs, "nottingham", "cross-entropy (melody + chord, nats per frame)",
                   f"Nottingham, n = 200: {nottingham_epochs} × {counted(nottingham_samples, 'window')}",
                   f"Training and validation cross-entropy (melody plus chord) of the Nottingham model on the 68-wide input (200 units, Adam) over {counted(nottingham_epochs, 'pass', 'passes')} over {counted(nottingham_samples, 'window')}, seed {seed}.")

# %% [markdown]
# A melody note or a chord usually lasts several frames, so the previous frame is a strong baseline: each half
# repeats its previous class with the training probability that it does, and is otherwise drawn from the class
# frequencies. After {glue:text}`nottingham_seconds:.0f` s the validation loss is {glue:text}`nottingham_loss:.3f`
# nats per frame, {glue:md}`nottingham_baselines`.

# %% [markdown]
# ## War and Peace, character by character
#
# The text of Tolstoy's novel in the Maudes' translation from Project Gutenberg, as used by Karpathy's
# char-rnn and by {cite:t}`vogt2022` (appendix A.1). The vocabulary is the set of characters of the text
# itself, {glue:text}`char_vocabulary` of them; the text is split 80/10/10 in order, and cut into sequences
# of {glue:text}`char_length` characters whose targets are the next characters ({glue:text}`char_epoch`
# training sequences per epoch). The paper's CharRNN has 512 units and no bias vectors.

# %%
splits, chars, info = load_war_and_peace()
display(record_table(info))
epoch = war_and_peace_task(hidden=1).train.inputs
glue_numbers(char_epoch=len(epoch), char_length=epoch.shape[1])
print("".join(chars[i] for i in splits["train"][:400]))
frequency = torch.bincount(splits["train"], minlength=len(chars)).numpy()
order = np.argsort(-frequency)[:40]
fig, ax = plt.subplots(figsize=(8.5, 2.6))
ax.bar(range(len(order)), frequency[order] / frequency.sum())
ax.set(xticks=range(len(order)), xticklabels=[repr(chars[i])[1:-1] for i in order], ylabel="share of characters",
       title="the 40 most frequent characters")
save(fig, "datasets/characters",
     caption="Share of the 40 most frequent characters in the training split of War and Peace.")

# %%
task = war_and_peace_task(hidden=char_hidden, samples=char_samples, seed=seed)
result = brief_run(task, 1, "char", "cross-entropy (nats per character)",
                   f"CharRNN, n = {char_hidden}: {counted(char_samples, 'sequence')}",
                   f"Training and validation cross-entropy of the CharRNN ({counted(char_hidden, 'unit')}, no biases) over {counted(char_samples, 'sequence')}, seed {seed}.")
unigram = next(b for b in task_baselines(task) if b.name.startswith("unigram"))
glue_numbers(bits_per_char=result.validation[-1][1] / np.log(2), char_vocabulary=len(chars),
             uniform_bits=np.log2(len(chars)), unigram_bits=unigram.loss / np.log(2))

# %% [markdown]
# After {glue:text}`char_seconds:.0f` s the validation loss is {glue:text}`bits_per_char:.2f` bits per character,
# against {glue:text}`unigram_bits:.2f` for predicting every character with its training frequency and
# {glue:text}`uniform_bits:.2f` for a uniform guess over the {glue:text}`char_vocabulary` characters. In nats,
# the units of the figure, it is {glue:md}`char_baselines`.
#
# ## CMU motion capture
#
# Four activities of the CMU Graphics Lab Motion Capture Database, as converted by Li et al. (2018) into
# {glue:text}`mocap_dimensions` joint angles and root coordinates per frame (appendix A.2 of
# {cite:t}`vogt2022`): basketball, soccer, walking and jumping, five training recordings and one test
# recording each. Every second frame is kept; files 1–4 of each activity train, file 5 validates: the paper's
# "80/20" split read as a split by whole recordings, which keeps every validation frame out of the training
# windows (its words would allow a split in time within each recording as well). Over the {glue:text}`mocap_frames` frames of the training files alone (so that nothing of
# the validation or test files leaks into the inputs), dimensions whose standard deviation is below
# $10^{-4}$ are dropped ({glue:text}`mocap_used` remain), the others z-scored, and the first
# {glue:text}`mocap_features` kept. Windows of {glue:text}`mocap_window` frames are paired with the same
# windows one frame later.

# %%
mocap, info = load_mocap()
display(record_table(info))
glue_numbers(mocap_dimensions=info.facts["dimensions"], mocap_used=info.facts["used_dimensions"],
             mocap_features=info.facts["features"], mocap_window=info.facts["window"],
             mocap_frames=info.facts["training_frames"])
recordings = mocap_sequences()[0]["test"]
fig, axes = plt.subplots(2, (len(ACTIONS) + 1) // 2, figsize=(8.5, 5.0), sharey=True, sharex=True)
for ax, action in zip(axes.flat, ACTIONS, strict=False):
    ax.plot(recordings[(action, 1)][:200, :4])
    ax.set(title=action)
for ax in axes.flat[len(ACTIONS):]:
    ax.set_visible(False)
for ax in axes[-1]:
    ax.set_xlabel("frame (every second one)")
for ax in axes[:, 0]:
    ax.set_ylabel("z-scored value")
save(fig, "datasets/mocap_traces",
     caption="The first four z-scored features of the first 200 kept frames of each activity's test recording.")

# %%
task = mocap_task(seed=seed)
brief_run(task, mocap_epochs, "mocap", "mean-squared error", f"motion capture, n = 256: {counted(mocap_epochs, 'epoch')}",
          f"Training and validation mean-squared error of the motion-capture model (256 units, SGD) over {counted(mocap_epochs, 'epoch')}, seed {seed}.")
glue_text(summary_learned=learned_summary({
    "MNIST": finals["mnist"], "PTB": finals["ptb"], "Nottingham": finals["nottingham"],
    "CharRNN": finals["war_and_peace"], "motion-capture": finals["cmu_mocap"]}))

# %% [markdown]
# Consecutive kept frames hardly differ, so copying the previous frame is a strong
# predictor of the next one; the training mean of every feature is the weakest sensible one. After
# {glue:text}`mocap_seconds:.0f` s the validation error is {glue:text}`mocap_loss:.3f`, {glue:md}`mocap_baselines`.

# %% [markdown]
# ## Summary
#
# - All five data sets of the two papers load from the registry with verified checksums, in the shapes
#   the experiments use; the JSB chorales are an extra.
# - Each model is compared with trivial baselines fitted on the same training data: after this page's short
#   runs, {glue:md}`summary_learned`. MNIST rows reach {glue:text}`mnist_accuracy:.0f` % *test* accuracy,
#   the PTB model a validation perplexity of {glue:text}`ptb_perplexity:.0f` (unigram:
#   {glue:text}`ptb_unigram:.0f`), the CharRNN {glue:text}`bits_per_char:.2f` bits per character (character
#   frequencies: {glue:text}`unigram_bits:.2f`). These are fractions of the papers' training; the experiment
#   chapters train longer.
#
# ## What to try
#
# - `python -m lstmdyn run datasets --profile paper`: the papers' model sizes, with one full epoch of each
#   language task, 20 epochs of Nottingham, 200 of MNIST and 50 of motion capture. This is still less than the papers
#   train (Vogt et al. train the CharRNN for 40 epochs, appendix A.1); the experiment chapters train their
#   lengths.
# - `python -m lstmdyn run datasets -p char_hidden 256 -p char_samples 20000`: a wider CharRNN on most of an
#   epoch; compare the bits per character.
# - `python -m lstmdyn run datasets -p seed 1`: another initialisation and batch order; how much do the
#   short-run numbers move?
