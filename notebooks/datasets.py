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
# papers' training). Every file is read through the registry `lstmdyn/data/registry.toml`, which checks its sha256;
# nothing here is synthetic.
#
# **Reproduces:** the data and models of the experiments: {cite:t}`amrouche2019` section 4 (4.1 MNIST,
# 4.2 Penn Treebank, 4.3 Nottingham) and {cite:t}`vogt2022` section 5 with appendix A (A.1 War and Peace,
# A.2 CMU motion capture), at the sizes of this page's profile.

# %% tags=["parameters"]
seed = 0  # random seed of every training run on this page
mnist_epochs = 30  # epochs over the 100 MNIST training images
ptb_windows = 300  # training windows of 20 streams × 20 words (an epoch has 2323)
nottingham_samples = 1600  # training windows of 50 frames (an epoch has 3177)
char_hidden = 128  # units of the CharRNN (512 in the paper)
char_samples = 5000  # training sequences of 100 characters (an epoch has 25618)
mocap_epochs = 10  # epochs over the motion-capture windows
validations = 5  # validation points per training run

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from lstmdyn.book.page import glue_numbers, record_table
from lstmdyn.book.plotting import save, training_figure, use_style
from lstmdyn.data import load_mnist_rows, load_mocap, load_piano_rolls, load_ptb, load_war_and_peace
from lstmdyn.data.mocap import ACTIONS, mocap_sequences
from lstmdyn.experiments.tasks import (
    mnist_task,
    mocap_task,
    nottingham_task,
    ptb_task,
    train_briefly,
    war_and_peace_task,
)

use_style()

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
fig, axes = plt.subplots(1, 10, figsize=(11, 1.6))
for k, ax in enumerate(axes):
    ax.imshow(mnist["train_x"][k], cmap="gray_r")
    ax.set(title=f"label {mnist['train_y'][k].item()}", xticks=[], yticks=[])
fig.suptitle("the first ten training images (rows are the time steps)")
save(fig, "datasets/mnist_digits",
     caption="The first ten MNIST training images; each row of pixels is one time step of the input.")

# %%
task = mnist_task(seed=seed)
result = train_briefly(task, mnist_epochs, validations)
with torch.no_grad():
    accuracy = (task.model(mnist["test_x"][:1000])[0].argmax(1) == mnist["test_y"][:1000]).float().mean().item()
save(training_figure(result, "cross-entropy", f"MNIST rows, n = 128: {mnist_epochs} epochs over 100 images"),
     "datasets/mnist_training",
     caption=f"Training loss per step (running mean) and validation loss of the MNIST-rows LSTM (128 units, Adam) over {mnist_epochs} epochs of the 100 images, seed {seed}.")
glue_numbers(mnist_accuracy=100 * accuracy, mnist_seconds=result.seconds, mnist_valid=len(task.valid.inputs))

# %% [markdown]
# After these epochs ({glue:text}`mnist_seconds:.0f` s), the network classifies {glue:text}`mnist_accuracy:.1f` %
# of the first {glue:text}`mnist_valid` test images correctly (chance: 10 %); {glue:text}`mnist_train` training
# images leave it far from a good
# classifier, which is not the papers' point: they follow how its dynamics change during training.
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
result = train_briefly(task, 1, validations)
save(training_figure(result, "cross-entropy (nats per word)", f"PTB, n = 200: {ptb_windows} windows"),
     "datasets/ptb_training",
     caption=f"Training and validation cross-entropy of the PTB language model (200 units, SGD) over {ptb_windows} windows, seed {seed}.")
glue_numbers(ptb_perplexity=np.exp(result.validation[-1][1]), ptb_seconds=result.seconds,
             ptb_vocabulary=len(vocabulary))

# %% [markdown]
# After {glue:text}`ptb_seconds:.0f` s the validation perplexity is {glue:text}`ptb_perplexity:.0f` (a uniform
# guess over the {glue:text}`ptb_vocabulary` words would score {glue:text}`ptb_vocabulary`); a fraction of one
# epoch is far from a trained language model.
#
# ## Nottingham folk tunes, and Bach chorales
#
# Boulanger-Lewandowski et al.'s piano rolls of the Nottingham folk-tune collection (section 4.3): one row
# per time step, one column per key, 1 where a note sounds. The loader crops the 88 keys of a piano to the
# range actually used in any split: {glue:text}`notts_keys` keys (MIDI {glue:text}`notts_low` to
# {glue:text}`notts_high`), the input width used here. {cite:t}`amrouche2019` report inputs of width 68, the
# first half melody notes and the second half chords, an encoding that is not public; a piano roll keeps
# melody and chord notes in one vector. An epoch has {glue:text}`notts_epoch` windows of 50 frames. The task is
# to predict the next frame, a set of notes (binary cross-entropy per key). The registry also holds the
# JSB chorales in the same format, shown for comparison; the papers' experiments do not use them.

# %%
notts, info = load_piano_rolls("nottingham")
jsb, jsb_info = load_piano_rolls("jsb_chorales")
display(record_table(info))
glue_numbers(notts_keys=info.facts["pitches"], notts_low=info.facts["lowest_midi"],
             notts_high=info.facts["highest_midi"], notts_epoch=len(nottingham_task().train.inputs))
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
for ax, rolls, record, title in ((axes[0], notts, info, "a Nottingham tune"), (axes[1], jsb, jsb_info, "a Bach chorale")):
    roll = rolls["train"][0][:200].T
    ax.imshow(roll, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
              extent=(0, roll.shape[1], record.facts["lowest_midi"] - 0.5, record.facts["highest_midi"] + 0.5))
    ax.set(xlabel="time step", ylabel="MIDI pitch", title=f"{title}: {record.facts['pitches']} keys")
save(fig, "datasets/piano_rolls",
     caption="The first 200 frames of the first training tune of Nottingham and of the JSB chorales: keys sounding at each time step.")

# %%
task = nottingham_task(samples=nottingham_samples, seed=seed)
result = train_briefly(task, 1, validations)
save(training_figure(result, "binary cross-entropy per key", f"Nottingham, n = 200: {nottingham_samples} windows"),
     "datasets/nottingham_training",
     caption=f"Training and validation binary cross-entropy of the Nottingham model (200 units, Adam) over {nottingham_samples} windows, seed {seed}.")

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
fig, ax = plt.subplots(figsize=(11, 2.8))
ax.bar(range(len(order)), frequency[order] / frequency.sum())
ax.set(xticks=range(len(order)), xticklabels=[repr(chars[i])[1:-1] for i in order], ylabel="share of characters",
       title="the 40 most frequent characters")
save(fig, "datasets/characters",
     caption="Share of the 40 most frequent characters in the training split of War and Peace.")

# %%
task = war_and_peace_task(hidden=char_hidden, samples=char_samples, seed=seed)
result = train_briefly(task, 1, validations)
save(training_figure(result, "cross-entropy (nats per character)",
                     f"CharRNN, n = {char_hidden}: {char_samples} sequences"), "datasets/char_training",
     caption=f"Training and validation cross-entropy of the CharRNN ({char_hidden} units, no biases) over {char_samples} sequences, seed {seed}.")
glue_numbers(bits_per_char=result.validation[-1][1] / np.log(2), char_vocabulary=len(chars),
             uniform_bits=np.log2(len(chars)))

# %% [markdown]
# The validation loss ends at {glue:text}`bits_per_char:.2f` bits per character (a uniform guess over the
# {glue:text}`char_vocabulary` characters: {glue:text}`uniform_bits:.2f`).
#
# ## CMU motion capture
#
# Four activities of the CMU Graphics Lab Motion Capture Database, as converted by Li et al. (2018) into
# {glue:text}`mocap_dimensions` joint angles and root coordinates per frame (appendix A.2 of
# {cite:t}`vogt2022`): basketball, soccer, walking and jumping, five training recordings and one test
# recording each. Every second frame is kept; files 1–4 of each activity train, file 5 validates (the paper's
# 80/20 split). Over the {glue:text}`mocap_frames` frames of the training files alone (so that nothing of
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
fig, axes = plt.subplots(1, len(ACTIONS), figsize=(12, 3), sharey=True)
for ax, action in zip(axes, ACTIONS, strict=True):
    ax.plot(recordings[(action, 1)][:200, :4])
    ax.set(title=action, xlabel="frame (every second one)")
axes[0].set_ylabel("z-scored value (first 4 features)")
save(fig, "datasets/mocap_traces",
     caption="The first four z-scored features of the first 200 kept frames of each activity's test recording.")

# %%
task = mocap_task(seed=seed)
result = train_briefly(task, mocap_epochs, validations)
save(training_figure(result, "mean-squared error", f"motion capture, n = 256: {mocap_epochs} epochs"),
     "datasets/mocap_training",
     caption=f"Training and validation mean-squared error of the motion-capture model (256 units, SGD) over {mocap_epochs} epochs, seed {seed}.")

# %% [markdown]
# ## Summary
#
# - All five data sets of the two papers load from the registry with verified checksums, in the shapes
#   the experiments use; the JSB chorales are an extra.
# - Short training runs of each paper's model learn: MNIST rows reach {glue:text}`mnist_accuracy:.0f` %
#   training accuracy, the PTB model a validation perplexity of {glue:text}`ptb_perplexity:.0f`, the CharRNN
#   {glue:text}`bits_per_char:.2f` bits per character. These are fractions of the papers' training; the
#   experiment chapters train longer.
#
# ## What to try
#
# - `python -m lstmdyn run datasets --profile paper`: the papers' training lengths (hours on a CPU).
# - `python -m lstmdyn run datasets -p char_hidden 256 -p char_samples 20000`: a wider CharRNN on most of an
#   epoch; compare the bits per character.
# - `python -m lstmdyn run datasets -p seed 1`: another initialisation and batch order; how much do the
#   short-run numbers move?
