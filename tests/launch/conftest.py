"""The `cluster` fixture: a real single-node Slurm (launch/slurm/up.sh) for tests marked `slurm`.

It uses a cluster that is already up. With CI=true or GROKREWARM_SLURM_UP=1 it brings one up
itself (as root; this may install Debian packages) and stops it afterwards if it started it;
otherwise, with no cluster, it skips rather than touch the system's packages and daemons.
"""

import os
import subprocess
from pathlib import Path

import pytest

SLURM_SCRIPTS = Path(__file__).resolve().parents[2] / "launch" / "slurm"


def node_ready() -> bool:
    def slurm(*args: str) -> str:  # bounded: a client can block on a dead or busy controller
        return subprocess.run(args, capture_output=True, text=True, timeout=15, check=True).stdout

    try:
        slurm("scontrol", "ping")  # fails at once with no controller; sinfo would retry for 9 s
        state = slurm("sinfo", "-h", "-o", "%T").strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return state in {"idle", "mixed", "allocated", "completing"}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    if node_ready():
        yield
        return
    asked = os.environ.get("CI", "").lower() in {"true", "1"}
    if not (asked or os.environ.get("GROKREWARM_SLURM_UP") == "1"):
        pytest.skip(
            "no Slurm running: start one with `sudo bash launch/slurm/up.sh`, or set "
            "GROKREWARM_SLURM_UP=1 (as root) to let these tests start it"
        )
    # Output goes to a file, not a pipe: a daemon holding a pipe open would block the read.
    log = tmp_path_factory.mktemp("slurm") / "up.log"
    with log.open("w") as out:
        try:
            rc = subprocess.run(
                ["bash", str(SLURM_SCRIPTS / "up.sh")],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=600,
            ).returncode
            failure = f"exit status {rc}" if rc else ""
        except subprocess.TimeoutExpired:
            failure = "no end within 600 s"
    if failure:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        pytest.skip(f"launch/slurm/up.sh failed ({failure}); end of its output:\n{tail}")
    yield
    subprocess.run(["bash", str(SLURM_SCRIPTS / "down.sh")], capture_output=True, timeout=120)
