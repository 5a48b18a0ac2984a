"""QM9 isotropic polarizability with a graph network (Liu et al. 2023 "Omnigrok", Section 4,
Fig. 5, App. A).

Data are read and featurized by PyTorch Geometric's own ``torch_geometric.datasets.QM9`` from the
three raw files in ``<root>/QM9/raw/`` (``gdb9.sdf``, ``gdb9.sdf.csv``, ``uncharacterized.txt``),
parsed with RDKit: 11 node features per atom (one-hot H/C/N/O/F, atomic number, aromatic,
sp/sp2/sp3, number of hydrogens), 4 edge features (one-hot bond type), 19 targets of which
column 1 is the isotropic polarizability alpha in a0^3. The 3,054 molecules listed in
``uncharacterized.txt`` are skipped by PyG. ``write_qm9_format`` writes small molecules in the real
on-disk formats (V2000 molblocks from RDKit, the real CSV header) for tests and the offline smoke
budget.

Model (``Qm9GNN``): two graph convolutions with ReLU, a sum or mean over atoms, then a linear
read-out. ``conv="nnconv"`` is the authors' code (``ExampleNet`` in Omnigrok's
``qm9/grokking/qm9-grokking.ipynb``: edge-conditioned ``NNConv`` 11->32->16, sum pooling, a
16-32 ReLU layer, a linear output); ``conv="gcn"`` is the paper's words taken literally (App. A:
"2 convolutional layers with ReLU activation, followed by a linear layer") with ``GCNConv``.

Task (``Qm9Task``): polarizability regression as a training-stack task (``SupervisedTask`` of
``grokrewarm.domains.task``), with graph batches instead of tensors. All molecules of the run
(train and test) live on the device as one concatenated graph: node features ``x``, per-molecule
(local) ``edge_index``, ``edge_attr`` and targets ``y`` are non-persistent buffers, so they move
with the module. A batch is a PyG ``Batch`` gathered from them with index tensors computed on
the host from host-side offsets (the molecule sizes never leave the CPU), so serving a batch
never waits on the device. The training order is a pure
function of (seed, step) (``SeededBatches``), as in the other tasks, so a resumed run sees the
same batches.

What works on graphs: the loss, evaluation (``eval_splits``/``eval_batches``: each split as one
batch), ``param_norm`` and ``relative_param_change``. What does not: the NTK alignment (the
empirical NTK takes a tensor of inputs), so the experiment sets ``metrics.alignment_size: 0``;
the callback refuses non-tensor inputs with a message saying so.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.data_root import (
    DATA_DIR_ENV,
    DOWNLOAD_PROBE_TIMEOUT_S,
    DatasetMissingError,
    resolve_data_root,
)
from grokrewarm.domains.ordering import SeededBatches, to_device
from grokrewarm.domains.task import Accuracy
from grokrewarm.lifecycle.reachability import url_reachable

QM9_FOLDER = Path("QM9")  # PyG's root is <data_dir>/QM9; its raw_dir is <root>/raw
RAW_FILES = ("gdb9.sdf", "gdb9.sdf.csv", "uncharacterized.txt")
POLARIZABILITY = 1  # PyG's target column of the isotropic polarizability alpha (a0^3)
NODE_FEATURES = 11
EDGE_FEATURES = 4
# gdb9.sdf.csv as distributed (DeepChem's qm9.zip): an id, then 19 properties in this order
CSV_HEADER = (
    "mol_id,A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,u0,u298,h298,g298,cv,"
    "u0_atom,u298_atom,h298_atom,g298_atom"
)
UNCHARACTERIZED_HEADER_LINES = 9  # PyG reads the indices from lines [9:-2]
# Small molecules of QM9's elements (C, N, O, F and H, up to 9 heavy atoms) for the generated
# stand-in: the offline smoke budget and tests. Never a result to compare with the paper.
GENERATED_SMILES = (
    "C", "N", "O", "F", "CC", "CO", "CN", "CF", "C=O", "C#N", "C#C", "C=C", "CCC", "CCO",
    "CCN", "CC=O", "CC#N", "CC#C", "C=CC", "OCO", "NCN", "NC=O", "OC=O", "CCCC", "CCCO",
    "CC(C)C", "CC(C)O", "CC(=O)C", "CC(=O)O", "CC(N)=O", "C1CC1", "C1CO1", "C1CN1", "c1ccccc1",
    "c1ccncc1", "c1ccoc1", "c1cc[nH]c1", "CCCCC", "CCOCC", "OCCO", "NCCN", "FC(F)F", "CC(F)F",
    "C1CCC1", "C1CCCC1", "CCCCO", "CC(C)(C)C", "O=CC=O",
)  # fmt: skip
# per-atom contributions (a0^3) for the generated molecules' "polarizability": additive, so a
# graph network can fit it; roughly the scale of QM9's alpha (H ~ 2.5, heavy atoms ~ 6-12)
_GENERATED_ALPHA = {"H": 2.5, "C": 11.0, "N": 8.0, "O": 6.0, "F": 3.5}


def _missing_qm9_message(root: Path, missing: list[str], reason: str) -> str:
    folder = root.resolve() / QM9_FOLDER / "raw"
    return (
        f"QM9 not found: {reason}.\n"
        f"  Missing files: {', '.join(missing)}\n"
        f"  They must be in: {folder}/ (gdb9.sdf and gdb9.sdf.csv from DeepChem's qm9.zip,\n"
        f"  uncharacterized.txt from figshare file 3195404)\n"
        f"  To get them, on a machine with network access run\n"
        f"    python -c \"from torch_geometric.datasets import QM9; QM9('{root / QM9_FOLDER}')\"\n"
        f"  (with rdkit installed) and copy its raw/ folder here, or fetch\n"
        f"  {_qm9_class().raw_url} (unzip) and {_qm9_class().raw_url2} (save it as\n"
        f"  uncharacterized.txt) into that folder; or pass task.download=true.\n"
        f"  The data root is the `root` argument (task.data_dir), else ${DATA_DIR_ENV},\n"
        f"  else ./data."
    )


def _qm9_class():
    from torch_geometric.datasets import QM9  # heavy import: only when QM9 is used

    return QM9


def load_qm9(root: str | os.PathLike | None = None, download: bool = False):
    """PyG's ``QM9`` dataset from ``<root>/QM9`` (processed on first use, cached in
    ``<root>/QM9/processed/``). ``root``: the argument, else ``$GROKREWARM_DATA_DIR``, else
    ``./data``. Missing raw files raise ``DatasetMissingError`` at once, saying where they go and
    how to get them; with ``download=True`` PyG downloads them first (failing fast when the
    servers are unreachable)."""
    try:
        import rdkit  # noqa: F401  (PyG reads the raw files only with rdkit)
    except ImportError as error:  # pragma: no cover - rdkit is a dependency
        raise ImportError("QM9 from the raw files needs rdkit (pip install rdkit)") from error
    qm9 = _qm9_class()
    root = resolve_data_root(root)
    raw = root / QM9_FOLDER / "raw"
    missing = [name for name in RAW_FILES if not (raw / name).is_file()]
    if missing and not download:
        raise DatasetMissingError(_missing_qm9_message(root, missing, "download is off"))
    if missing and not all(
        url_reachable(url, DOWNLOAD_PROBE_TIMEOUT_S) for url in (qm9.raw_url, qm9.raw_url2)
    ):
        reason = "download failed: the QM9 servers are not reachable (no network?)"
        raise DatasetMissingError(_missing_qm9_message(root, missing, reason))
    try:
        return qm9(str(root / QM9_FOLDER))
    except (urllib.error.URLError, OSError) as error:
        if not missing:
            raise
        raise DatasetMissingError(
            _missing_qm9_message(root, missing, f"download failed: {error}")
        ) from error


def write_qm9_format(
    root: str | os.PathLike,
    smiles: Sequence[str] = GENERATED_SMILES,
    skip: Sequence[int] = (),
    seed: int = 0,
) -> np.ndarray:
    """Write ``smiles`` as QM9's three raw files in ``<root>/QM9/raw/`` (PyG's raw_dir).

    ``gdb9.sdf``: one V2000 molblock per molecule with explicit hydrogens (RDKit), named
    ``gdb_<i>`` (1-based, as QM9); ``gdb9.sdf.csv``: the real header, ``alpha`` the sum of
    per-atom contributions, the other 18 properties seeded noise; ``uncharacterized.txt``: the
    1-based indices in ``skip``, in the real file's layout (PyG drops those molecules). Returns the
    ``[n, 19]`` property table in CSV column order (without ``mol_id``).
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    folder = Path(root) / QM9_FOLDER / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    blocks, table = [], []
    for index, text in enumerate(smiles, start=1):
        mol = Chem.AddHs(Chem.MolFromSmiles(text))
        AllChem.Compute2DCoords(mol)
        mol.SetProp("_Name", f"gdb_{index}")
        blocks.append(Chem.MolToMolBlock(mol) + "$$$$\n")
        alpha = sum(_GENERATED_ALPHA[atom.GetSymbol()] for atom in mol.GetAtoms())
        properties = rng.normal(size=19).round(6)
        properties[4] = alpha  # A, B, C, mu, alpha, ...
        table.append(properties)
    (folder / "gdb9.sdf").write_text("".join(blocks))
    lines = [CSV_HEADER] + [
        f"gdb_{i},{','.join(f'{v:.6f}' for v in row)}" for i, row in enumerate(table, start=1)
    ]
    (folder / "gdb9.sdf.csv").write_text("\n".join(lines) + "\n")
    header = [f"# header line {i}" for i in range(UNCHARACTERIZED_HEADER_LINES)]
    rows = [f"  {i:6d}  gdb_{i}  0.0  0.0  0.0" for i in skip]
    (folder / "uncharacterized.txt").write_text("\n".join([*header, *rows, "# end"]) + "\n")
    return np.asarray(table)


def generated_qm9(smiles: Sequence[str] = GENERATED_SMILES):
    """The generated molecules written in the raw format to a temporary folder and read back by
    PyG's ``QM9`` (the real loading path); the offline stand-in for the smoke budget."""
    with tempfile.TemporaryDirectory(prefix="qm9_generated_") as folder:
        write_qm9_format(folder, smiles)
        dataset = load_qm9(folder)
        return [dataset[i] for i in range(len(dataset))]  # materialized before the folder goes


class Qm9GNN(nn.Module):
    """Two graph convolutions with ReLU, pooling over atoms, a read-out; input a PyG ``Batch``.

    ``conv="nnconv"`` (the authors' code): ``NNConv(11, 32)`` and ``NNConv(32, 16)``, each edge
    network ``Linear(4, 32) - ReLU - Linear(32, in * out)``; ``conv="gcn"``: ``GCNConv`` layers of
    the same widths (self-loops added here, not inside the layer, so nothing waits on the device).
    ``pool``: ``"add"`` (authors) or ``"mean"``. ``head``: hidden widths of the read-out MLP
    (authors: ``[32]``; ``[]`` is the paper's single linear layer). Output ``[num_graphs]``.
    """

    def __init__(
        self,
        in_features: int = NODE_FEATURES,
        edge_features: int = EDGE_FEATURES,
        conv: Literal["nnconv", "gcn"] = "nnconv",
        widths: Sequence[int] = (32, 16),
        edge_hidden: int = 32,
        pool: Literal["add", "mean"] = "add",
        head: Sequence[int] = (32,),
    ) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv, NNConv

        if conv not in ("nnconv", "gcn"):
            raise ValueError(f"conv must be 'nnconv' or 'gcn', got {conv!r}")
        if pool not in ("add", "mean"):
            raise ValueError(f"pool must be 'add' or 'mean', got {pool!r}")
        if len(widths) < 1:
            raise ValueError("widths needs at least one convolution width")
        self.conv_kind, self.pool = conv, pool
        self.convs = nn.ModuleList()
        fan_in = in_features
        for width in widths:
            if conv == "nnconv":
                edge_net = nn.Sequential(
                    nn.Linear(edge_features, edge_hidden),
                    nn.ReLU(),
                    nn.Linear(edge_hidden, fan_in * width),
                )
                self.convs.append(NNConv(fan_in, width, edge_net))
            else:
                self.convs.append(GCNConv(fan_in, width, add_self_loops=False))
            fan_in = width
        layers: list[nn.Module] = []
        for width in head:
            layers += [nn.Linear(fan_in, width), nn.ReLU()]
            fan_in = width
        layers.append(nn.Linear(fan_in, 1))
        self.head = nn.Sequential(*layers)

    def forward(self, batch) -> Tensor:
        from torch_geometric.nn import global_add_pool, global_mean_pool
        from torch_geometric.utils import add_self_loops

        h, edge_index = batch.x, batch.edge_index
        if self.conv_kind == "gcn":
            edge_index, _ = add_self_loops(edge_index, num_nodes=h.shape[0])
        for conv in self.convs:
            if self.conv_kind == "nnconv":
                h = F.relu(conv(h, edge_index, batch.edge_attr))
            else:
                h = F.relu(conv(h, edge_index))
        pool = global_add_pool if self.pool == "add" else global_mean_pool
        h = pool(h, batch.batch, size=batch.num_graphs)  # size given: no device sync
        return self.head(h).squeeze(-1)


def graph_subset(dataset, n: int) -> list:
    """The first ``n`` molecules of ``dataset`` (QM9's order, as the authors' ``dset[:size]``)."""
    if not 1 <= n <= len(dataset):
        raise ValueError(f"needs 1..{len(dataset)} molecules, asked for {n}")
    return [dataset[i] for i in range(n)]


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
