"""The project speaks of itself alone: no tracked file names documents outside the repository,
tracker numbers, or absolute paths of a machine it ran on."""

import re
import subprocess

from grokrewarm.compose import CONF_DIR

ROOT = CONF_DIR.parent
FORBIDDEN = {
    "a document outside the repository": re.compile(
        "FIGURES" + r"\.md|\.\./" + "shared|" + r"papers/\w+\.txt"
    ),
    "a tracker number": re.compile(r"\b[Ii]ssues? #?\d+"),
    "the tracker's words": re.compile(r"[Tt]he issue's|Core" + " issue"),
    "an absolute path of a development machine": re.compile(r"/(work|root|home)/\w"),
}


def tracked_text_files():
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in names:
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary: figures, snapshots
            continue
        yield name, data.decode("utf-8", errors="replace")


def test_no_file_cites_what_is_not_in_the_project():
    found = [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {what} ({match.group(0)!r})"
        for name, text in tracked_text_files()
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]
    assert not found, "\n".join(found)
