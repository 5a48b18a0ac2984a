"""python -m grokrewarm.claims SWEEP_DIR: re-evaluate a finished sweep's paper claims from its
summary table, write claims.csv beside it and print the verdicts."""

import argparse
import sys

from grokrewarm.claims import FAILS, evaluate, experiment_of

parser = argparse.ArgumentParser(prog="python -m grokrewarm.claims", description=__doc__)
parser.add_argument("sweep_dir", help="the multirun folder, e.g. outputs/fig3/<timestamp>")
parser.add_argument("--experiment", help="the experiment's name (default: read from its jobs)")
args = parser.parse_args()
name = args.experiment or experiment_of(args.sweep_dir)
results = evaluate(name, args.sweep_dir)
print(f"{name}: {args.sweep_dir}/claims.csv")
for result in results:
    print(result.line())
# the exit status says whether every claim could be judged and held, for scripts
sys.exit(0 if all(r.verdict != FAILS for r in results) else 2)
