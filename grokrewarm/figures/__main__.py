"""python -m grokrewarm.figures NAME SWEEP_DIR: summarize a sweep's saved run outputs again and
re-render its figure."""

import argparse

from grokrewarm.analysis import summarize
from grokrewarm.figures import render, renderers

parser = argparse.ArgumentParser(prog="python -m grokrewarm.figures", description=__doc__)
parser.add_argument("name", help=f"one of: {', '.join(sorted(renderers()))}")
parser.add_argument("sweep_dir", help="the multirun folder, e.g. outputs/fig3/<timestamp>")
args = parser.parse_args()
summarize(args.name, args.sweep_dir)
for path in render(args.name, args.sweep_dir):
    print(path)
