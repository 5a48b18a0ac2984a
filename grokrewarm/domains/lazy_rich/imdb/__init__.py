"""IMDb sentiment with a 2-layer LSTM (Liu et al. 2023 "Omnigrok", Section 4 and App. A, Fig. 4).

Data: the Stanford Large Movie Review Dataset (Maas et al. 2011) as its archive unpacks,
``<root>/aclImdb/{train,test}/{pos,neg}/*.txt`` (``unsup/`` is not used), from ``IMDB_URL``.
App. A: "we extract the 1000 most frequent words and tokenize each review into an array of token
indices. Less frequent words are ignored, and each review array is padded to length 500 [...]
We hold back 25% of the dataset for testing." So:

- ``tokenize``: lowercase, ``<br />`` line breaks to spaces, then the words of ``WORD_PATTERN``
  (runs of letters and digits, with an inner apostrophe kept: ``don't``, ``film's``).
- Vocabulary: the ``vocab_size`` most frequent words of the **pooled 50k reviews** (all four
  labelled folders, before the split; labels are never used), ties broken alphabetically. Index
  0 is padding, the most frequent word is 1. Other words are dropped. (The authors' script built
  it from its training split after removing English stop words; the paper says neither.)
- Each review keeps its first ``max_length`` in-vocabulary tokens and is padded with 0 **in
  front** (as the authors' script does), so the LSTM's last step, which the classifier reads,
  is the end of the review.
- Labels: ``pos`` = 1, ``neg`` = 0. All reviews are pooled (the official 25k/25k split is not
  used) and a seeded permutation holds back ``test_fraction`` (25%) for testing; the training
  set is the first ``n_train`` of the rest (1000 for Fig. 4d; 37,500 is all of it).

Reading and tokenizing 50k files takes about a minute, so the padded token tensor is cached in
``<root>/aclImdb/grokrewarm_cache/`` in a file named by the settings (vocabulary size, length,
tokenizer version) and reused when the folders hold the same number of files.

Modules, one concern each:

- ``tokenizer``: ``tokenize``, ``build_vocabulary``, ``encode`` (text to padded token ids);
- ``download``: the on-disk layout, what is missing and how to get it, the download;
- ``dataset``: the pooled reviews as tokens (``tokenize_imdb``, cached) and the split;
- ``generated``: ``write_imdb_format``, a small generated review set in the real layout for
  tests and offline smoke runs (it marks the folder as generated, and figures say so);
- ``model``: ``ImdbLSTM``: embedding 64, 2-layer LSTM with hidden size 128 (batch first, zero
  initial state), a linear read-out of the last step to one logit;
- ``task``: ``ImdbTask``: binary cross-entropy on the logit (``TensorTask`` ``loss="bce"``),
  accuracy ``(logit > 0) == label``.
"""
