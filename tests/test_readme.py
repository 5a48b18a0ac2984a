"""Every `python -m grokrewarm ...` command the README shows composes as written."""

import re
import subprocess
import sys

import pytest

from grokrewarm.compose import CONF_DIR

README = (CONF_DIR.parent / "README.md").read_text()
COMMANDS = sorted(
    {
        line.split("#")[0].split("python -m grokrewarm ", 1)[1].strip()  # the arguments
        for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)
        for line in block.splitlines()
        if "python -m grokrewarm " in line
    }
)


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_composes(command, run_cli, tmp_path):
    args = [a for a in command.split() if a not in ("-m", "--cfg", "job")]
    result = run_cli([*args, "--cfg", "job"], cwd=CONF_DIR.parent, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "experiment:" in result.stdout


def test_readme_is_a_short_guide():
    lines = README.splitlines()
    assert len(lines) <= 300
    assert max(len(line) for line in lines) <= 300


def test_readme_summary_is_generated_from_results():
    from grokrewarm.evidence import README_END, README_START, readme_summary

    block = README[README.index(README_START) : README.index(README_END) + len(README_END)]
    assert block == readme_summary(), "run: python -m grokrewarm.evidence readme"


MODULE_COMMANDS = sorted(set(re.findall(r"python -m (grokrewarm\.[a-z_.]+)", README)))


@pytest.mark.parametrize("module", MODULE_COMMANDS)
def test_readme_module_command_runs(module):
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=CONF_DIR.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()


def test_readme_make_targets_exist():
    makefile = (CONF_DIR.parent / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([a-z-]+)", README)) | set(
        re.findall(r"^make ([a-z-]+)", README, flags=re.M)
    )
    assert named and named <= targets, named - targets


def test_readme_links_resolve():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" not in target:
            assert (CONF_DIR.parent / target).exists(), target
