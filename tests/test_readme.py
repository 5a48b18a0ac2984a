"""Every `python -m grokrewarm ...` command the README shows composes as written."""

import re

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
