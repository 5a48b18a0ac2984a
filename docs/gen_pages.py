"""Generates the results pages of the site from results/ at build time (mkdocs-gen-files):
the reproduction table and one page per paper, with each kept sweep's figure copied in."""

import mkdocs_gen_files

from grokrewarm import evidence


def image_path(kept: evidence.Kept) -> str:
    return f"figures/{kept.experiment}_{kept.budget}.png"


for kept in evidence.kept():
    if kept.figure:
        with mkdocs_gen_files.open(f"results/{image_path(kept)}", "wb") as out:
            out.write(kept.figure.read_bytes())

for paper in evidence.PAPERS:
    with mkdocs_gen_files.open(f"results/{paper}.md", "w") as page:
        page.write(evidence.paper_page(paper, image_path))


UNCHECKED = """## What no check covers yet

Some of the papers' statements cannot be read off a summary table, so no claim check judges
them; look at the figures:

- Lyle et al. Fig. 4's feature-learning and update-norm panels, Fig. 13's rank jump, Fig. 5's
  remarks on dead units, and the Atari "recovers faster" and "unstable" remarks;
- Kumar et al.'s Eq. 6 decomposition shapes (Figs. 4 and 9) and Fig. 1b's "first follows the
  kernel";
- Omnigrok's Fig. 12 plateau at 30-40%.
"""


def link(name: str) -> str:
    return f"results/{evidence.paper_of(name)}.md#{name}"


with mkdocs_gen_files.open("reproduction.md", "w") as page:
    page.write(
        "# Reproduction\n\n"
        "Every figure's verdicts at each budget whose evidence is kept under `results/`, "
        "generated from each kept `claims.csv` (the test suite re-judges all of it with the "
        "present claim checks). A figure's page shows its image, its claims and the run's "
        "command, date and machine.\n\n"
        + evidence.reproduction_table(link=link)
        + "\n\n"
        + UNCHECKED
    )
