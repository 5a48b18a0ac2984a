"""QM9 (Omnigrok Fig. 5): raw files in the real formats read through PyG's QM9, the task's graph
batches, the graph networks, and the experiment end to end at the smoke budget."""

import numpy as np
import pandas as pd
import pytest
import torch

from grokrewarm.domains.data_root import DatasetMissingError
from grokrewarm.domains.lazy_rich.qm9 import (
    CSV_HEADER,
    RAW_FILES,
    Qm9GNN,
    Qm9Task,
    load_qm9,
    write_qm9_format,
)
from grokrewarm.method.laziness import scale_initialization_

# water, methane, ammonia, hydrogen fluoride, ethanol, formaldehyde
SMILES = ("O", "C", "N", "F", "CCO", "C=O")


@pytest.fixture(scope="module")
def raw_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    table = write_qm9_format(root, SMILES, skip=(4,))  # gdb_4 (HF) is "uncharacterized"
    return root, table


def test_raw_files_have_the_real_formats(raw_root):
    root, table = raw_root
    raw = root / "QM9" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(RAW_FILES)
    sdf = (raw / "gdb9.sdf").read_text()
    assert sdf.count("$$$$") == 6 and sdf.count("V2000") == 6
    first = sdf.split("\n")
    assert first[0] == "gdb_1"
    assert first[3].split()[:2] == ["3", "2"]  # water: 3 atoms, 2 bonds (counts line)
    lines = (raw / "gdb9.sdf.csv").read_text().splitlines()
    assert lines[0] == CSV_HEADER and len(lines) == 7
    assert lines[5].split(",")[:6:5] == ["gdb_5", "43.000000"]  # ethanol: 2 C + O + 6 H
    assert table.shape == (6, 19)


def test_pyg_reads_the_raw_files_and_skips_uncharacterized(raw_root):
    root, table = raw_root
    dataset = load_qm9(root)
    assert len(dataset) == 5  # HF skipped
    water, methane = dataset[0], dataset[1]
    assert water.x.shape == (3, 11) and water.edge_index.shape == (2, 4)
    assert water.edge_attr.shape == (4, 4) and water.edge_attr[:, 0].sum() == 4  # single bonds
    # one-hot H/C/N/O/F, then atomic number: O first, then two H
    assert water.x[:, :5].argmax(1).tolist() == [3, 0, 0]
    assert water.x[:, 5].tolist() == [8.0, 1.0, 1.0]
    assert water.x[0, 10] == 2  # two hydrogens on the oxygen
    # target column 1 is the CSV's alpha (no unit conversion)
    assert water.y[0, 1] == pytest.approx(6.0 + 2 * 2.5)
    assert methane.y[0, 1] == pytest.approx(11.0 + 4 * 2.5)
    assert dataset[2].y[0, 1] == pytest.approx(table[2, 4])  # ammonia
    assert dataset[3].y[0, 1] == pytest.approx(2 * 11.0 + 6.0 + 6 * 2.5)  # ethanol, after HF


def test_missing_files_fail_fast_with_instructions(tmp_path, monkeypatch):
    with pytest.raises(DatasetMissingError) as error:
        load_qm9(tmp_path)
    message = str(error.value)
    assert str(tmp_path.resolve() / "QM9" / "raw") in message
    for name in RAW_FILES:
        assert name in message
    assert "GROKREWARM_DATA_DIR" in message and "download=true" in message
    write_qm9_format(tmp_path, SMILES[:2])
    (tmp_path / "QM9" / "raw" / "uncharacterized.txt").unlink()
    with pytest.raises(DatasetMissingError, match="Missing files: uncharacterized.txt\n"):
        load_qm9(tmp_path)
    # the data root from the environment
    write_qm9_format(tmp_path, SMILES[:2])
    monkeypatch.setenv("GROKREWARM_DATA_DIR", str(tmp_path))
    assert len(load_qm9()) == 2


def test_task_split_targets_and_batches(raw_root):
    root, _ = raw_root
    task = Qm9Task(n_train=2, n_test=3, data_dir=str(root), batch_size=1, split_seed=0)
    alphas = [11.0, 21.0, 15.5, 43.0, 22.0]  # water, methane, ammonia, ethanol, formaldehyde
    y_train, y_test = task.eval_splits()["train"][1], task.eval_splits()["test"][1]
    order = torch.randperm(5, generator=torch.Generator().manual_seed(0)).tolist()
    assert y_train.tolist() == [alphas[i] for i in order[:2]]
    assert y_test.tolist() == [alphas[i] for i in order[2:]]
    # one molecule per step, an epoch's order a function of (seed, epoch)
    seen = [task.train_batch(step)[1].item() for step in range(2)]
    assert sorted(seen) == sorted(y_train.tolist())
    batch, y = task.train_batch(0)
    assert batch.num_graphs == 1 and len(y) == 1
    # the test split as one batch: node offsets shifted per molecule
    test_batch = task.eval_splits()["test"][0]
    assert test_batch.num_graphs == 3 and test_batch.ptr[-1] == test_batch.x.shape[0]
    src, dst = test_batch.edge_index
    assert torch.equal(test_batch.batch[src], test_batch.batch[dst])  # no edge across molecules
    assert test_batch.x.shape[0] == sum(len(m) for m in _sizes(test_batch))


def _sizes(batch):
    return [range(int(batch.ptr[i]), int(batch.ptr[i + 1])) for i in range(batch.num_graphs)]


def test_batches_equal_pyg_collation_and_are_deterministic(raw_root):
    from torch_geometric.data import Batch

    root, _ = raw_root
    dataset = load_qm9(root)
    task = Qm9Task(n_train=3, n_test=2, data_dir=str(root), batch_size=2, seed=5)
    order = torch.randperm(5, generator=torch.Generator().manual_seed(0)).tolist()
    rows = [2, 0]  # positions in the task's (shuffled) order
    ours, y = task.graph_batch(rows)
    reference = Batch.from_data_list([dataset[order[r]] for r in rows])
    for key in ("x", "edge_index", "edge_attr", "batch", "ptr"):
        assert torch.equal(getattr(ours, key), getattr(reference, key)), key
    assert torch.equal(y, reference.y[:, 1])
    again = Qm9Task(n_train=3, n_test=2, data_dir=str(root), batch_size=2, seed=5)
    for step in (0, 1, 7):
        assert torch.equal(task.train_batch(step)[1], again.train_batch(step)[1])


def test_standardize_uses_training_statistics(raw_root):
    root, _ = raw_root
    raw = Qm9Task(n_train=3, n_test=2, data_dir=str(root))
    z = Qm9Task(n_train=3, n_test=2, data_dir=str(root), standardize=True)
    train = raw.eval_splits()["train"][1]
    assert z.target_mean == pytest.approx(train.mean().item())
    assert z.target_std == pytest.approx(train.std().item())
    assert z.eval_splits()["train"][1].mean().item() == pytest.approx(0.0, abs=1e-6)
    expected = (raw.eval_splits()["test"][1] - train.mean()) / train.std()
    assert torch.allclose(z.eval_splits()["test"][1], expected)


@pytest.mark.parametrize(("conv", "pool", "head"), [("nnconv", "add", [32]), ("gcn", "mean", [])])
def test_graph_networks(raw_root, conv, pool, head):
    root, _ = raw_root
    task = Qm9Task(n_train=3, n_test=2, data_dir=str(root))
    torch.manual_seed(0)
    model = Qm9GNN(conv=conv, pool=pool, head=head, **task.model_kwargs())
    batch, y = task.eval_splits()["train"]
    out = model(batch)
    assert out.shape == (3,)
    # molecule by molecule gives the same predictions (no leakage across graphs)
    single = torch.stack([model(task.graph_batch([i])[0])[0] for i in range(3)])
    assert torch.allclose(out, single, atol=1e-5)
    n_params = sum(p.numel() for p in model.parameters())
    if conv == "nnconv":  # authors' ExampleNet: edge nets 4-32-352 and 4-32-512, 16-32-1 head
        expected = 4 * 32 + 32 + 32 * 352 + 352 + 11 * 32 + 32  # conv1 (root weight + bias)
        expected += 4 * 32 + 32 + 32 * 512 + 512 + 32 * 16 + 16  # conv2
        expected += 16 * 32 + 32 + 32 + 1
    else:  # GCNConv 11->32, 32->16, linear 16->1
        expected = 11 * 32 + 32 + 32 * 16 + 16 + 16 + 1
    assert n_params == expected
    norm = torch.linalg.vector_norm(torch.cat([p.detach().flatten() for p in model.parameters()]))
    scale_initialization_(model, 3.0)
    scaled = torch.linalg.vector_norm(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert scaled.item() == pytest.approx(3 * norm.item(), rel=1e-5)
    loss = task.loss(model(batch), y)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_gcn_matches_a_hand_computed_propagation():
    from torch_geometric.data import Batch, Data

    # a 3-node path 0-1-2 (one molecule): with self-loops, degrees 2, 3, 2
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    data = Data(x=torch.eye(3, 11), edge_index=edge_index, edge_attr=torch.zeros(4, 4))
    model = Qm9GNN(conv="gcn", widths=[1], pool="add", head=[])
    with torch.no_grad():
        model.convs[0].lin.weight.copy_(torch.arange(1.0, 12.0).reshape(1, 11))
        model.convs[0].bias.zero_()
        model.head[0].weight.fill_(1.0)
        model.head[0].bias.zero_()
    # h_i = sum_j A_hat_ij w_j with A_hat = D^-1/2 (A + I) D^-1/2, w = (1, 2, 3)
    d = np.array([2.0, 3.0, 2.0])
    a = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]]) / np.sqrt(np.outer(d, d))
    expected = (a @ np.array([1.0, 2.0, 3.0])).sum()
    assert model(Batch.from_data_list([data])).item() == pytest.approx(expected, rel=1e-6)


def test_ntk_alignment_refuses_graph_inputs(raw_root):
    from grokrewarm.training.laziness import LazinessMetricsCallback

    root, _ = raw_root
    task = Qm9Task(n_train=3, n_test=2, data_dir=str(root))
    with pytest.raises(TypeError, match="alignment_size=0"):
        LazinessMetricsCallback(alignment_size=2)._alignment_batch(task)
    assert LazinessMetricsCallback(alignment_size=0)._alignment_batch(task) is None


def test_omnigrok_fig5_smoke_sweep_on_raw_files_in_a_data_dir(smoke_sweep, raw_root, tmp_path):
    root, _ = raw_root
    sweep_dir = smoke_sweep(
        "omnigrok_fig5",
        tmp_path,
        "budget.datasets.qm9=qm9",  # the real path, on the files written above
        f"task.data_dir={root}",
        "budget.n_trains=[2]",
        "budget.landscape_n_trains=[2]",
    )
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == ["0_none_init1.0_n2_s0", "1_none_init3.0_n2_s0", "2_sphere_init3.0_n2_s0"]
    assert (sweep_dir / "omnigrok_fig5.png").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / "omnigrok_fig5_summary.csv").set_index("condition")
    # init x3 triples the weight norm; the sphere holds it there
    start = summary["norm_start"]
    assert start["none_init3.0_n2"] == pytest.approx(3 * start["none_init1.0_n2"], rel=1e-5)
    sphere = summary.loc["sphere_init3.0_n2"]
    assert sphere["norm_end"] == pytest.approx(sphere["norm_start"], rel=1e-4)
    metrics = pd.read_csv(sweep_dir / jobs[0] / "metrics.csv")
    assert "ntk_alignment" not in metrics
    assert metrics["test/loss"].notna().sum() == 3  # steps 0, 10, 20


def test_paper_budget_matches_the_paper_and_the_authors_code(compose_run, tmp_path):
    cfg = compose_run(["+experiment=omnigrok_fig5"], tmp_path)
    assert (cfg.task.n_train, cfg.task.n_test, cfg.task.batch_size) == (200, None, 32)
    assert (cfg.task.dataset, cfg.task.download, cfg.task.standardize) == ("qm9", False, False)
    assert cfg.rewarm.lr == 1e-3 and cfg.optimizer.weight_decay == 0.0
    assert cfg.init_scale == 3.0 and cfg.metrics.alignment_size == 0
    assert (cfg.model.conv, cfg.model.pool, list(cfg.model.head)) == ("nnconv", "add", [32])
    assert list(cfg.budget.landscape_n_trains) == [100, 3000]
    assert cfg.trainer.max_steps == 100_000
    smoke = compose_run(["+experiment=omnigrok_fig5", "budget=smoke"], tmp_path)
    assert smoke.task.dataset == "generated"
