"""``Qm9Task``: QM9 polarizability regression as a training-stack task (``SupervisedTask`` of
``grokrewarm.domains.task``), with graph batches instead of tensors.

All molecules of the run (train and test) live on the device as one concatenated graph: node
features ``x``, per-molecule (local) ``edge_index``, ``edge_attr`` and targets ``y`` are
non-persistent buffers, so they move with the module. A batch is a PyG ``Batch`` gathered from
them with index tensors computed on the host from host-side offsets (the molecule sizes never
leave the CPU), so serving a batch never waits on the device. The training order is a pure
function of (seed, step) (``SeededBatches``), as in the other tasks, so a resumed run sees the
same batches.

What works on graphs: the loss, evaluation (``eval_splits``/``eval_batches``: each split as one
batch), ``param_norm`` and ``relative_param_change``. What does not: the NTK alignment (the
empirical NTK takes a tensor of inputs), so the experiment sets ``metrics.alignment_size: 0``;
the callback refuses non-tensor inputs with a message saying so.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.lazy_rich.qm9 import (
    EDGE_FEATURES,
    GENERATED_SMILES,
    NODE_FEATURES,
    POLARIZABILITY,
    generated_qm9,
    graph_subset,
    load_qm9,
)
from grokrewarm.domains.ordering import SeededBatches, to_device
from grokrewarm.domains.task import Accuracy


class Qm9Task(nn.Module):
    """Omnigrok Fig. 5: predict QM9's isotropic polarizability (target column 1), MSE.

    Data (the authors' code): the first ``n_train + n_test`` molecules of QM9 (its order), split
    at random (``split_seed``, fixed across training seeds) into ``n_train`` and ``n_test``
    (``n_test=None``: ``n_train``, the paper's 50/50 split). ``standardize``: subtract the
    training mean and divide by the training standard deviation of the target (the authors
    train on the raw values in a0^3; off by default). ``batch_size``: minibatches of that many
    molecules (the authors' 32), ``None`` for full batch.

    ``dataset="qm9"``: the real raw files (``load_qm9``; missing files fail at once with
    instructions). ``dataset="generated"``: the 48 small molecules of ``GENERATED_SMILES``
    written in the raw formats and read back through the same PyG path (offline smoke budget;
    never a result to compare with the paper).
    """

    accuracy: Accuracy = "none"  # regression: evaluation logs losses only

    def __init__(
        self,
        n_train: int = 200,
        n_test: int | None = None,
        dataset: Literal["qm9", "generated"] = "qm9",
        data_dir: str | None = None,
        download: bool = False,
        batch_size: int | None = 32,
        standardize: bool = False,
        split_seed: int = 0,
        target: int = POLARIZABILITY,
        seed: int = 0,
    ) -> None:
        super().__init__()
        n_test = n_train if n_test is None else n_test
        if n_train < 1 or n_test < 1:
            raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
        self.batches = SeededBatches(n_train, batch_size, seed)
        if dataset == "qm9":
            molecules = graph_subset(load_qm9(data_dir, download), n_train + n_test)
        elif dataset == "generated":
            molecules = graph_subset(generated_qm9(GENERATED_SMILES), n_train + n_test)
        else:
            raise ValueError(f"dataset must be 'qm9' or 'generated', got {dataset!r}")
        self.dataset = dataset
        self.seed = seed
        order = torch.randperm(
            len(molecules), generator=torch.Generator().manual_seed(split_seed)
        ).tolist()
        molecules = [molecules[i] for i in order]  # train first, then test
        n_nodes = torch.tensor([m.x.shape[0] for m in molecules])
        n_edges = torch.tensor([m.edge_index.shape[1] for m in molecules])
        # host-side offsets of each molecule's nodes and edges in the concatenation
        self._node_ptr = np.concatenate([[0], np.cumsum(n_nodes.numpy())])
        self._edge_ptr = np.concatenate([[0], np.cumsum(n_edges.numpy())])
        y = torch.stack([m.y[0, target] for m in molecules]).float()
        self.target_mean, self.target_std = 0.0, 1.0
        if standardize:
            train_y = y[:n_train]
            self.target_mean = float(train_y.mean())
            self.target_std = float(train_y.std()) if n_train > 1 else 1.0
            y = (y - self.target_mean) / self.target_std
        self.register_buffer("x", torch.cat([m.x for m in molecules]).float(), persistent=False)
        self.register_buffer(
            "edge_index", torch.cat([m.edge_index for m in molecules], dim=1), persistent=False
        )
        self.register_buffer(
            "edge_attr", torch.cat([m.edge_attr for m in molecules]).float(), persistent=False
        )
        self.register_buffer("y", y, persistent=False)
        self.n_train, self.n_test = n_train, n_test
        self._split_cache: dict = {}
        self.in_features = self.x.shape[1]
        self.edge_features = self.edge_attr.shape[1]
        assert (self.in_features, self.edge_features) == (NODE_FEATURES, EDGE_FEATURES)

    # -- graph batches -----------------------------------------------------------------------
    def _host_indices(self, graphs: np.ndarray) -> dict[str, Tensor]:
        """Index tensors (CPU) selecting ``graphs`` (positions in the concatenation)."""
        starts, ends = self._node_ptr[graphs], self._node_ptr[graphs + 1]
        sizes = ends - starts
        new_starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        node = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        e_starts, e_ends = self._edge_ptr[graphs], self._edge_ptr[graphs + 1]
        e_sizes = e_ends - e_starts
        edge = np.concatenate([np.arange(s, e) for s, e in zip(e_starts, e_ends, strict=True)])
        # stored edge indices are local to their molecule (PyG's Data): shift each molecule's
        # to where its nodes start in the batch
        shift = np.repeat(new_starts, e_sizes)
        return {
            "graphs": torch.from_numpy(graphs.astype(np.int64)),
            "node": torch.from_numpy(node.astype(np.int64)),
            "edge": torch.from_numpy(edge.astype(np.int64)),
            "shift": torch.from_numpy(shift.astype(np.int64)),
            "batch": torch.from_numpy(np.repeat(np.arange(len(graphs)), sizes).astype(np.int64)),
            "ptr": torch.from_numpy(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)),
        }

    def _gather(self, index: dict[str, Tensor]):
        from torch_geometric.data import Batch

        device = self.x.device
        index = {k: to_device(v, device) for k, v in index.items()}  # pinned, on CUDA
        batch = Batch(
            x=self.x[index["node"]],
            edge_index=self.edge_index[:, index["edge"]] + index["shift"],
            edge_attr=self.edge_attr[index["edge"]],
            batch=index["batch"],
            ptr=index["ptr"],
        )
        batch._num_graphs = len(index["graphs"])  # known on the host: no batch.max() sync
        return batch, self.y[index["graphs"]]

    def graph_batch(self, graphs) -> tuple:
        """``(Batch, targets)`` for molecules at positions ``graphs`` (train: ``0..n_train-1``,
        test: ``n_train..``)."""
        return self._gather(self._host_indices(np.asarray(graphs, dtype=np.int64)))

    # -- the task protocol -------------------------------------------------------------------
    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return F.mse_loss(outputs, targets.reshape(outputs.shape))

    def train_batch(self, step: int) -> tuple:
        if self.batches.full_batch:
            rows = np.arange(self.n_train)
        else:  # host-side rows: the gather's index tensors are built on the CPU
            rows = self.batches.indices(step).numpy()
        return self.graph_batch(rows)

    def eval_splits(self) -> dict[str, tuple]:
        device = self.x.device
        if self._split_cache.get("device") != device:
            total = self.n_train + self.n_test
            self._split_cache = {
                "device": device,
                "train": self.graph_batch(np.arange(self.n_train)),
                "test": self.graph_batch(np.arange(self.n_train, total)),
            }
        return {split: self._split_cache[split] for split in ("train", "test")}

    def eval_batches(self) -> dict[str, list[tuple]]:
        return {split: [pair] for split, pair in self.eval_splits().items()}

    def probe_inputs(self):
        return self.eval_splits()["train"][0]

    def model_kwargs(self) -> dict:
        return {"in_features": self.in_features, "edge_features": self.edge_features}
