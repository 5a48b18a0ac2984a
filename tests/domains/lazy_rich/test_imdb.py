"""IMDb (Omnigrok Fig. 4): reading the real aclImdb layout, vocabulary, padding, split, cache,
the LSTM, the binary loss and accuracy, and the experiment end to end on a generated tree."""

import math

import pandas as pd
import pytest
import torch
from torch.nn import functional as F

from grokrewarm.domains.data_root import DatasetMissingError
from grokrewarm.domains.lazy_rich import imdb
from grokrewarm.domains.lazy_rich.imdb import (
    GENERATED_REVIEWS_PER_FOLDER,
    IMDB_URL,
    ImdbLSTM,
    ImdbTask,
    cache_path,
    encode,
    generated_imdb,
    is_generated,
    split_imdb,
    tokenize,
    tokenize_imdb,
    write_imdb_format,
)
from grokrewarm.domains.lazy_rich.tensor_task import TensorTask
from grokrewarm.domains.task import count_correct
from grokrewarm.method.laziness import scale_initialization_

# hand-written reviews, one folder each: (split, label folder) -> texts
REVIEWS = {
    ("train", "pos"): ["Great film, GREAT acting!<br /><br />great.", "a great plot"],
    ("train", "neg"): ["Bad film. Bad, bad plot", "the film was bad"],
    ("test", "pos"): ["Don't miss it: great"],
    ("test", "neg"): ["bad"],
}


def _write_reviews(root, reviews=REVIEWS):
    for (split, label), texts in reviews.items():
        folder = root / "aclImdb" / split / label
        folder.mkdir(parents=True, exist_ok=True)
        for i, text in enumerate(texts):
            (folder / f"{i}_{7 if label == 'pos' else 2}.txt").write_text(text)
    (root / "aclImdb" / "train" / "unsup").mkdir()  # the archive's unlabelled reviews: unused
    (root / "aclImdb" / "train" / "unsup" / "0_0.txt").write_text("great great great great")


def test_tokenizer_lowercases_strips_breaks_and_punctuation():
    assert tokenize("Great film,<br /><br />GREAT acting!") == ["great", "film", "great", "acting"]
    assert tokenize("Don't miss it: 10/10<BR>the film's end") == [
        "don't",
        "miss",
        "it",
        "10",
        "10",
        "the",
        "film's",
        "end",
    ]


def test_encode_keeps_the_first_words_and_pads_in_front():
    index = {"great": 1, "film": 2, "bad": 3}
    assert encode(["great", "xx", "film"], index, 5).tolist() == [0, 0, 0, 1, 2]
    assert encode(["bad", "great", "film", "bad"], index, 3).tolist() == [3, 1, 2]  # truncated
    assert encode(["xx"], index, 2).tolist() == [0, 0]


def test_vocabulary_by_pooled_frequency_labels_and_padding(tmp_path):
    _write_reviews(tmp_path)
    data = tokenize_imdb(tmp_path, vocab_size=4, max_length=6)
    # pooled counts (unsup ignored, else "great" would lead): bad 5, great 5 (tie: alphabetical),
    # film 3, plot 2, then a, acting, don't, ... 1
    assert data["vocabulary"] == ["bad", "great", "film", "plot"]
    assert data["counts"] == [2, 2, 1, 1]
    # pool order: train/pos, train/neg, test/pos, test/neg; pos = 1, neg = 0
    assert data["labels"].tolist() == [1, 1, 0, 0, 1, 0]
    assert data["tokens"].dtype == torch.int64
    assert data["tokens"].tolist() == [
        [0, 0, 2, 3, 2, 2],  # great film great [acting] great
        [0, 0, 0, 0, 2, 4],  # [a] great plot
        [0, 1, 3, 1, 1, 4],  # bad film bad bad plot
        [0, 0, 0, 0, 3, 1],  # [the] film [was] bad
        [0, 0, 0, 0, 0, 2],  # [don't miss it] great
        [0, 0, 0, 0, 0, 1],  # bad
    ]


def test_split_holds_back_a_quarter_by_seed():
    tokens = torch.arange(40).reshape(20, 2)
    labels = torch.arange(20) % 2
    x_train, y_train, x_test, y_test = split_imdb(tokens, labels, None, 0.25, seed=3)
    assert (len(x_train), len(x_test)) == (15, 5)
    rows = torch.cat([x_train[:, 0], x_test[:, 0]]) // 2
    assert sorted(rows.tolist()) == list(range(20))  # a partition of the pool
    assert torch.equal(y_train, labels[x_train[:, 0] // 2])  # rows keep their labels
    again = split_imdb(tokens, labels, 4, 0.25, seed=3)
    assert torch.equal(again[0], x_train[:4]) and torch.equal(again[2], x_test)
    other = split_imdb(tokens, labels, None, 0.25, seed=4)
    assert not torch.equal(other[2], x_test)
    with pytest.raises(ValueError, match="n_train must be in 1..15"):
        split_imdb(tokens, labels, 16, 0.25)


def test_missing_folders_fail_fast_with_instructions(tmp_path):
    with pytest.raises(DatasetMissingError) as error:
        tokenize_imdb(tmp_path)
    message = str(error.value)
    assert str(tmp_path.resolve() / "aclImdb") in message
    for folder in ("train/pos", "train/neg", "test/pos", "test/neg"):
        assert f"aclImdb/{folder}" in message
    assert IMDB_URL in message and "GROKREWARM_DATA_DIR" in message
    assert "task.download=true" in message and "Found the archive" not in message
    # a downloaded but unextracted archive, and one empty folder
    write_imdb_format(tmp_path, n_per_folder=2)
    for path in (tmp_path / "aclImdb" / "test" / "neg").iterdir():
        path.unlink()
    (tmp_path / "aclImdb_v1.tar.gz").write_bytes(b"")
    with pytest.raises(DatasetMissingError) as error:
        tokenize_imdb(tmp_path)
    message = str(error.value)
    assert "Missing (or without .txt reviews): aclImdb/test/neg\n" in message
    assert "tar -xzf" in message and "Found the archive" in message


def test_cache_is_reused_and_refreshed_when_files_change(tmp_path, monkeypatch):
    write_imdb_format(tmp_path, n_per_folder=5, seed=1)
    first = tokenize_imdb(tmp_path, vocab_size=50, max_length=12)
    path = cache_path(tmp_path, 50, 12)
    assert path.is_file() and torch.load(path)["tokens"].dtype == torch.int16
    calls = []
    monkeypatch.setattr(imdb, "tokenize", lambda text: calls.append(text) or [])
    second = tokenize_imdb(tmp_path, vocab_size=50, max_length=12)
    assert calls == []  # nothing re-read
    assert torch.equal(first["tokens"], second["tokens"]) and second["tokens"].dtype == torch.int64
    assert first["vocabulary"] == second["vocabulary"]
    (tmp_path / "aclImdb" / "test" / "pos" / "99999_9.txt").write_text("new review")
    tokenize_imdb(tmp_path, vocab_size=50, max_length=12)
    assert len(calls) == 21  # one more file: the cache no longer matches, all files re-read


def test_generated_tree_round_trips(tmp_path, monkeypatch):
    written = write_imdb_format(tmp_path, n_per_folder=6, seed=2)
    assert is_generated(tmp_path)
    monkeypatch.setenv("GROKREWARM_DATA_DIR", str(tmp_path))  # the data root from the env
    data = tokenize_imdb(vocab_size=1000, max_length=300)
    assert data["labels"].tolist() == [label for _, label in written] == ([1] * 6 + [0] * 6) * 2
    index = {word: i + 1 for i, word in enumerate(data["vocabulary"])}
    for row, (text, _) in zip(data["tokens"], written, strict=True):
        words = [w for w in tokenize(text) if w in index]
        assert row[row != 0].tolist() == [index[w] for w in words]
    # cue words follow the label: "good*" only in positive reviews
    assert all(("good" in text) <= (label == 1) for text, label in written)


def test_lstm_shapes_and_init_scale():
    torch.manual_seed(0)
    model = ImdbLSTM(vocab_size=30)
    assert model(torch.randint(0, 30, (3, 7))).shape == (3,)
    lstm = model.lstm
    assert (lstm.num_layers, lstm.hidden_size, lstm.input_size, lstm.batch_first) == (
        2,
        128,
        64,
        True,
    )
    n_params = 30 * 64 + 4 * 128 * (64 + 128 + 2) + 4 * 128 * (128 + 128 + 2) + 128 + 1
    assert sum(p.numel() for p in model.parameters()) == n_params
    norm = torch.sqrt(sum(p.detach().square().sum() for p in model.parameters()))
    scale_initialization_(model, 6.0)
    scaled = torch.sqrt(sum(p.detach().square().sum() for p in model.parameters()))
    assert scaled.item() == pytest.approx(6.0 * norm.item(), rel=1e-5)


def test_lstm_reads_the_last_step_so_front_padding_changes_nothing_after_it():
    torch.manual_seed(0)
    model = ImdbLSTM(vocab_size=10, embedding_dim=4, hidden_dim=5)
    x = torch.tensor([[0, 0, 3, 4], [1, 2, 3, 4]])
    manual_states, _ = model.lstm(model.embedding(x))
    expected = model.readout(manual_states[:, -1]).squeeze(-1)
    assert torch.allclose(model(x), expected)


def test_binary_loss_and_accuracy_are_bce_on_logits_and_sign():
    logits = torch.tensor([2.0, -1.0, 0.5, -3.0])
    labels = torch.tensor([1, 1, 0, 0])
    task = TensorTask(torch.zeros(4, 1), labels, torch.zeros(4, 1), labels, loss="bce")
    # -mean(log sigmoid(2), log sigmoid(-1), log sigmoid(-0.5), log sigmoid(3)), by hand
    expected = (
        -sum(math.log(1 / (1 + math.exp(-z))) for z in (2.0, -1.0, -0.5, 3.0)) / 4
    )  # label 0: log(1 - sigmoid(z)) = log sigmoid(-z)
    assert task.loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)
    assert task.loss(logits[:, None], labels).item() == pytest.approx(expected, rel=1e-6)
    # softplus(-2) + softplus(1) + softplus(0.5) + softplus(-3) = 0.1269 + 1.3133 + 0.9741 + 0.0486
    assert expected == pytest.approx(0.6157, abs=1e-4)
    assert task.accuracy == "logit"  # declared by the bce loss
    assert count_correct("logit", logits, labels).item() == 2  # predictions 1, 0, 1, 0
    assert count_correct("logit", logits[:, None], labels).item() == 2
    with pytest.raises(ValueError, match="0/1 labels"):
        TensorTask(torch.zeros(2, 1), torch.tensor([0, 2]), torch.zeros(1, 1), labels, loss="bce")


def test_module_evaluates_bce_loss_and_binary_accuracy():
    from grokrewarm.method.rewarm import RewarmController
    from grokrewarm.method.schedules import ConstantSchedule
    from grokrewarm.training.module import RewarmModule

    x = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    labels = torch.tensor([1, 1, 0, 0])
    task = TensorTask(x, labels, x[:2], labels[:2], loss="bce")
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0), model.bias.zero_()
    model = torch.nn.Sequential(model, torch.nn.Flatten(0))  # [n, 1] -> [n] logits
    module = RewarmModule(model, task, torch.optim.SGD, RewarmController(ConstantSchedule(0.1)))
    results = module.evaluate()
    assert results["train/acc"].item() == 0.5 and results["test/acc"].item() == 0.5
    expected = F.binary_cross_entropy_with_logits(x[:, 0], labels.float())
    assert results["train/loss"].item() == pytest.approx(expected.item(), rel=1e-6)


def test_task_splits_caps_evaluation_and_sizes_the_model(tmp_path):
    write_imdb_format(tmp_path, n_per_folder=10, seed=0)
    task = ImdbTask(
        n_train=12,
        max_length=20,
        data_dir=str(tmp_path),
        batch_size=5,
        eval_size=7,
        eval_batch_size=3,
        seed=1,
    )
    assert (task.x_train.shape, task.x_test.shape) == ((12, 20), (10, 20))  # 25% of 40
    assert task.loss_kind == "bce" and task.x_train.dtype == torch.int64
    batches = task.eval_batches()
    assert [len(y) for _, y in batches["train"]] == [3, 3, 1]
    assert [len(y) for _, y in batches["test"]] == [3, 3, 1]
    assert torch.equal(batches["test"][0][0], task.x_test[:3])
    assert task.model_kwargs() == {"vocab_size": len(task.vocabulary) + 1}
    x, y = task.train_batch(0)
    assert x.shape == (5, 20) and y.shape == (5,)
    model = ImdbLSTM(**task.model_kwargs())
    assert torch.isfinite(task.loss(model(x), y))
    # the split follows split_seed, the batches seed
    same_split = ImdbTask(n_train=12, max_length=20, data_dir=str(tmp_path), seed=2, split_seed=1)
    assert torch.equal(same_split.x_test, task.x_test)
    assert not torch.equal(same_split.train_batch(0)[0], task.train_batch(0)[0])


def test_experiment_builds_on_a_generated_tree(compose_run, tmp_path):
    from grokrewarm.training.run import build

    write_imdb_format(tmp_path / "data", n_per_folder=4)
    cfg = compose_run(
        [
            "+experiment=omnigrok_fig4",
            "budget=smoke",
            "task.dataset=imdb",  # the real path, on the tree written above
            f"task.data_dir={tmp_path / 'data'}",
        ],
        tmp_path,
    )
    _, module = build(cfg, tmp_path)
    assert type(module.task).__name__ == "ImdbTask" and type(module.model).__name__ == "ImdbLSTM"
    assert type(module.configure_optimizers()).__name__ == "AdamW"
    assert module.task.x_train.shape == (8, 16)
    x, y = module.task.train_batch(0)
    assert torch.isfinite(module.loss(module.model(x), y))


def test_smoke_sweep_runs_end_to_end_on_a_generated_tree(smoke_sweep, tmp_path):
    data_dir = tmp_path / "data"
    write_imdb_format(data_dir, n_per_folder=4, seed=0, length=(5, 20))
    sweep_dir = smoke_sweep(
        "omnigrok_fig4", tmp_path, "task.dataset=imdb", f"task.data_dir={data_dir}"
    )
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == [
        "0_none_init6.0_wd1.0_n8_s0",
        "1_none_init1.0_wd0.0_n8_s0",
        "2_sphere_init6.0_wd0.0_n8_s0",
    ]
    assert (sweep_dir / "omnigrok_fig4.png").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / "omnigrok_fig4_summary.csv")
    assert sorted(summary["panel"]) == ["landscape", "large_init", "standard_init"]
    metrics = pd.read_csv(sweep_dir / jobs[0] / "metrics.csv")
    assert metrics["step"].dropna().astype(int).unique().tolist() == [0, 5, 10]
    # accuracies are fractions of 8 train / 8 test reviews
    for column in ("train/acc", "test/acc"):
        assert set((metrics[column].dropna() * 8).round(6)) <= set(map(float, range(9)))
    # fixed norm: the landscape run ends at its initial norm
    landscape = summary[summary["panel"] == "landscape"].iloc[0]
    assert landscape["norm_end"] == pytest.approx(landscape["norm_start"], rel=1e-4)
    assert (data_dir / "aclImdb" / "grokrewarm_cache").is_dir()


def test_generated_stand_in_reads_generated_reviews_through_the_real_path(tmp_path):
    task = ImdbTask(n_train=8, max_length=16, dataset="generated", batch_size=4)
    n_reviews = 4 * GENERATED_REVIEWS_PER_FOLDER
    assert len(task.y_train) == 8 and len(task.y_test) == n_reviews // 4  # 25% held out
    assert task.x_train.shape == (8, 16) and set(task.y_train.tolist()) <= {0, 1}
    # the same reviews as a tree written by hand and read from a data_dir
    write_imdb_format(tmp_path, GENERATED_REVIEWS_PER_FOLDER, length=(5, 20))
    by_hand = tokenize_imdb(tmp_path, 1000, 16)["tokens"]
    assert torch.equal(generated_imdb(1000, 16)["tokens"], by_hand)
    with pytest.raises(ValueError, match="dataset must be"):
        ImdbTask(dataset="imdb-small")
