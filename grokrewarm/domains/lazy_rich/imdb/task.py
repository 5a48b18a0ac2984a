"""IMDb reviews as a training-stack task (``SupervisedTask`` of ``grokrewarm.domains.task``)."""

from __future__ import annotations

from torch import Tensor

from grokrewarm.domains.lazy_rich.imdb.dataset import split_imdb, tokenize_imdb
from grokrewarm.domains.lazy_rich.imdb.generated import generated_imdb
from grokrewarm.domains.lazy_rich.tasks import TensorTask
from grokrewarm.domains.task import split_batches


class ImdbTask(TensorTask):
    """Omnigrok Fig. 4: IMDb reviews as padded token ids, binary cross-entropy on one logit,
    accuracy ``(logit > 0) == label``.

    ``n_train`` reviews for training (1000 in Fig. 4d), the held-out 25% for testing
    (``split_seed`` picks the split, ``seed`` the batch order), minibatches of ``batch_size``.
    ``eval_size`` evaluates only the first ``eval_size`` reviews of each split (CPU budgets;
    ``None``: all of them), in batches of ``eval_batch_size``. ``model_kwargs`` gives the model
    its vocabulary size (the words found, plus padding). ``dataset``: ``"imdb"`` reads the
    reviews under ``data_dir``; ``"generated"`` is the offline stand-in (``generated_imdb``).
    """

    def __init__(
        self,
        n_train: int | None = 1000,
        vocab_size: int = 1000,
        max_length: int = 500,
        test_fraction: float = 0.25,
        data_dir: str | None = None,
        download: bool = False,
        batch_size: int | None = 50,
        seed: int = 0,
        split_seed: int | None = None,
        eval_size: int | None = None,
        eval_batch_size: int = 1000,
        dataset: str = "imdb",
    ) -> None:
        if dataset == "imdb":
            data = tokenize_imdb(data_dir, vocab_size, max_length, download)
        elif dataset == "generated":
            data = generated_imdb(vocab_size, max_length)
        else:
            raise ValueError(f"dataset must be 'imdb' or 'generated', got {dataset!r}")
        split_seed = seed if split_seed is None else split_seed
        x_train, y_train, x_test, y_test = split_imdb(
            data["tokens"], data["labels"], n_train, test_fraction, split_seed
        )
        super().__init__(
            x_train, y_train, x_test, y_test, loss="bce", batch_size=batch_size, seed=seed
        )
        if eval_size is not None and eval_size < 1:
            raise ValueError(f"eval_size must be >= 1 or null (all), got {eval_size}")
        if eval_batch_size < 1:
            raise ValueError(f"eval_batch_size must be >= 1, got {eval_batch_size}")
        self.vocabulary = data["vocabulary"]
        self.eval_size = eval_size
        self.eval_batch_size = eval_batch_size

    def model_kwargs(self) -> dict:
        return {"vocab_size": len(self.vocabulary) + 1}

    def eval_batches(self) -> dict[str, list[tuple[Tensor, Tensor]]]:
        capped = {
            split: (x[: self.eval_size], y[: self.eval_size])
            for split, (x, y) in self.eval_splits().items()
        }
        return split_batches(capped, self.eval_batch_size)
