# grokrewarm: `make help` lists the targets. Everything runs inside .venv, which `setup` builds.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# mkdocs 1.6 and its theme print notices about their successors on every build; the build is
# what we read
export DISABLE_MKDOCS_2_WARNING := true
export NO_MKDOCS_2_WARNING := 1
# The suite on every core, one test process a core (tests/conftest.py gives each its thread
# share); the Slurm tests stay together on one of them (they share one cluster). PASSIVE: torch
# is loaded before the package sets it, and spinning OpenMP threads starve the other processes.
PYTEST := OMP_WAIT_POLICY=PASSIVE $(VENV)/bin/pytest -n auto --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help setup quick figures keep docs test test-slow lint format bench bench-vision bench-atari wandb-sync clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# compat mode puts the repo on sys.path, so Hydra finds the hydra_plugins/ sweeper from any
	# working directory (the default editable finder hides it from Hydra's plugin scan)
	$(PY) -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the package with its pinned dependencies

quick: setup  ## the headline job: Fig. 3 at the quick budget on CPU (~6 min), renders the figure
	$(PY) -m grokrewarm +experiment=fig3 budget=quick -m

figures: setup  ## all three grokking figures at the quick budget (~25 min on 2 CPU cores)
	for fig in fig3 fig2 fig8; do $(PY) -m grokrewarm +experiment=$$fig budget=quick -m || exit 1; done

test: setup  ## lint and the test suite (what CI runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYTEST) -q
	$(VENV)/bin/mkdocs build --strict --quiet

.PHONY: snapshots
snapshots: setup  ## recompose every experiment at every budget into tests/conf/snapshots/ (review the git diff)
	$(PY) tests/conf/compose_snapshot.py

test-slow: setup  ## the slow checks too
	$(PYTEST) -q -m "slow or not slow"

lint: setup  ## ruff lint
	$(VENV)/bin/ruff check .

format: setup  ## ruff format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup  ## framework vs bare PyTorch steps/s, and the cost of metrics
	$(PY) -m grokrewarm.bench --out outputs/bench/grokking.json

bench-atari: setup  ## Atari runner env steps/s and updates/s (DQN, Rainbow; both replay ratios) vs bare PyTorch
	$(PY) -m grokrewarm.domains.atari.bench --out outputs/bench/atari.json

.PHONY: bench-gpu
bench-gpu: setup  ## one GPU (<8 min): solo and packed step times, DQN/Rainbow updates/s, fig3 GPU-hours
	$(PY) -m grokrewarm.bench_gpu --out outputs/bench/gpu.json

.PHONY: bench-parallel
bench-parallel: setup  ## fig2 quick with launcher=parallel vs one job at a time, and a run beside a twin
	$(PY) -m grokrewarm.bench_launch --out outputs/bench/parallel.json

.PHONY: bench-pack check-pack
bench-pack: setup  ## packed run-steps/s at N = 1, 4, 16 vs the same N runs one after another
	$(PY) -m grokrewarm.training.bench_pack bench

check-pack: setup  ## smoke sweeps of fig2, fig3, kumar_fig2 with pack=4 vs one run per process
	$(PY) -m grokrewarm.training.bench_pack check

# CleanRL checkout (vwxyzjn/cleanrl) for bench-cleanrl; BENCH_ARGS for the full size, e.g.
# make bench-cleanrl BENCH_ARGS="--steps 30000 --learning-starts 5000 --buffer-size 30000"
CLEANRL ?= ../cleanrl
BENCH_ARGS ?=
.PHONY: bench-cleanrl
$(VENV)/.bench-installed: pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet --config-settings editable_mode=compat -e '.[dev,bench]'
	touch $@

bench-cleanrl: $(VENV)/.bench-installed  ## project DQN vs CleanRL's dqn_atari.py, agent steps/s (CLEANRL=DIR)
	$(PY) -m grokrewarm.domains.atari.bench_cleanrl --cleanrl $(CLEANRL) --out outputs/bench/cleanrl.json $(BENCH_ARGS)

bench-vision: setup  ## image data path: device-resident vs DataLoader images/s, CNN and ResNet-18 epoch time
	$(PY) -m grokrewarm.domains.warm_start.bench --out outputs/bench/vision.json

wandb-sync: setup  ## upload offline W&B runs under outputs/ (needs `wandb login`)
	find outputs -type d -name 'offline-run-*' -exec $(VENV)/bin/wandb sync {} +

keep: setup  ## keep a finished sweep's evidence in results/ (SWEEP=outputs/<experiment>/<time>)
	@test -n "$(SWEEP)" || { echo "usage: make keep SWEEP=outputs/<experiment>/<time>"; exit 2; }
	$(PY) -m grokrewarm.evidence keep $(SWEEP)
	$(PY) -m grokrewarm.evidence readme

docs: setup  ## build the results site and guides into site/ (open site/index.html)
	$(VENV)/bin/mkdocs build --strict

clean:  ## remove caches (keeps .venv and outputs/)
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
