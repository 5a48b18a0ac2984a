"""An experiment's (and a domain's) scale at each budget, read from its own file.

``conf/experiment/<name>.yaml`` may end with a ``budgets:`` table, one entry per budget::

    budgets:
      smoke: {long_steps: 60, offsets: [0, 20]}
      quick: {long_steps: 6000, offsets: [0, 800, 2000]}
      paper: {long_steps: 1000000, offsets: [0, 20000, 100000, 500000]}

and ``conf/domain/<name>.yaml`` the same for what the domain's experiments share. This config
source serves each entry as the config ``scale/<name>/<budget>`` (``domain_scale/<name>/<budget>``
for a domain), which the root defaults list (``conf/config.yaml``) merges over ``budget``::

    - optional domain_scale@budget: ${oc.select:domain,none}/${budget}
    - optional scale@budget: ${oc.select:experiment,none}/${budget}

exactly as a file ``conf/scale/<name>/<budget>.yaml`` holding that entry would be (a budget
without an entry: nothing is merged). It also serves the experiment and domain files themselves,
without their ``budgets:`` table, so the table never reaches a composed config.

:class:`BudgetTablesSearchPath` puts the source just before the primary config folder in Hydra's
search path, over that same folder (a folder, or a package such as the CLI's ``pkg://conf``);
Hydra finds both classes when it scans ``hydra_plugins``.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Optional

from hydra.core.config_search_path import ConfigSearchPath, SearchPathQuery
from hydra.core.object_type import ObjectType
from hydra.plugins.config_source import ConfigLoadError, ConfigResult, ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import DictConfig, OmegaConf

TABLE = "budgets"  # the key of an experiment's or domain's file that holds its scale per budget
# the group whose files hold a table -> the group its entries are served as
SCALE_GROUPS = {"experiment": "scale", "domain": "domain_scale"}
OWNERS = {scale: owner for owner, scale in SCALE_GROUPS.items()}
SCHEME = "grokrewarm-budgets"


def budget_table(path: str) -> dict[str, DictConfig]:
    """``{budget: entry}`` of the file at ``path`` (empty without a table or a file)."""
    if not os.path.isfile(path):
        return {}
    table = OmegaConf.load(path).get(TABLE)
    if table is None:
        return {}
    if not isinstance(table, DictConfig):
        raise ConfigLoadError(f"{path}: `{TABLE}` must map each budget to its values")
    # each entry as a config of its own, typed as YAML loads it, interpolations unresolved
    return {
        str(budget): OmegaConf.create(
            OmegaConf.to_container(entry, resolve=False) if isinstance(entry, DictConfig) else {}
        )
        for budget, entry in table.items_ex(resolve=False)
    }


class BudgetTablesSource(ConfigSource):
    """``experiment/*`` and ``domain/*`` without their ``budgets:`` table, and each entry of it as
    ``scale/<experiment>/<budget>`` or ``domain_scale/<domain>/<budget>``; nothing else (the
    primary config folder, next in the search path, serves the rest)."""

    @staticmethod
    def scheme() -> str:
        return SCHEME

    def _file(self, group: str, name: str) -> str:
        return os.path.join(self.path, group, f"{name}.yaml")

    def _parts(self, config_path: str) -> list[str]:
        return self._normalize_file_name(config_path).removesuffix(".yaml").split("/")

    def _entry(self, config_path: str) -> Optional[DictConfig]:  # noqa: UP045
        parts = self._parts(config_path)
        if len(parts) != 3 or parts[0] not in OWNERS:
            return None
        return budget_table(self._file(OWNERS[parts[0]], parts[1])).get(parts[2])

    def load_config(self, config_path: str) -> ConfigResult:
        parts = self._parts(config_path)
        if len(parts) == 2 and parts[0] in SCALE_GROUPS:
            full_path = self._file(*parts)
            with open(full_path, encoding="utf-8") as f:
                header = ConfigSource._get_header_dict(f.read(512))
            cfg = OmegaConf.load(full_path)
            cfg.pop(TABLE, None)
        else:
            cfg = self._entry(config_path)
            if cfg is None:
                raise ConfigLoadError(f"Config not found : {config_path}")
            header = ConfigSource._get_header_dict("")
        return ConfigResult(
            config=cfg, path=f"{self.scheme()}://{self.path}", provider=self.provider, header=header
        )

    def available(self) -> bool:
        return any(os.path.isdir(os.path.join(self.path, group)) for group in SCALE_GROUPS)

    def is_group(self, config_path: str) -> bool:
        parts = [p for p in config_path.split("/") if p]
        if len(parts) == 1:
            return parts[0] in SCALE_GROUPS or parts[0] in OWNERS
        if len(parts) == 2 and parts[0] in OWNERS:
            return bool(budget_table(self._file(OWNERS[parts[0]], parts[1])))
        return False

    def is_config(self, config_path: str) -> bool:
        parts = self._parts(config_path)
        if len(parts) == 2 and parts[0] in SCALE_GROUPS:
            return os.path.isfile(self._file(*parts))
        return self._entry(config_path) is not None

    def list(self, config_path: str, results_filter: Optional[ObjectType]) -> list[str]:  # noqa: UP045
        parts = [p for p in config_path.split("/") if p]
        names: list[str] = []
        if len(parts) == 1 and parts[0] in SCALE_GROUPS:
            folder = os.path.join(self.path, parts[0])
            if results_filter in (None, ObjectType.CONFIG) and os.path.isdir(folder):
                names = [f[:-5] for f in os.listdir(folder) if f.endswith(".yaml")]
        elif len(parts) == 1 and parts[0] in OWNERS:
            folder = os.path.join(self.path, OWNERS[parts[0]])
            if results_filter in (None, ObjectType.GROUP) and os.path.isdir(folder):
                names = [
                    f[:-5]
                    for f in os.listdir(folder)
                    if f.endswith(".yaml") and budget_table(os.path.join(folder, f))
                ]
        elif len(parts) == 2 and parts[0] in OWNERS and results_filter != ObjectType.GROUP:
            names = list(budget_table(self._file(OWNERS[parts[0]], parts[1])))
        return sorted(set(names))


class BudgetTablesSearchPath(SearchPathPlugin):
    """Puts :class:`BudgetTablesSource`, over the primary config folder, just before it."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        for element in search_path.get_path():
            if element.provider != "main":
                continue
            folder = _folder(element.path)
            if folder is not None:
                search_path.prepend(
                    "grokrewarm-budgets", f"{SCHEME}://{folder}", SearchPathQuery(provider="main")
                )
            return


def _folder(path: str) -> Optional[str]:  # noqa: UP045
    """The folder of a search path element: ``file://DIR`` or ``DIR``, or ``pkg://PACKAGE`` as the
    CLI gives it (``python -m grokrewarm``: ``pkg://conf``); None for anything else."""
    if path.startswith("pkg://"):
        spec = importlib.util.find_spec(path[len("pkg://") :].strip("/").replace("/", "."))
        locations = spec.submodule_search_locations if spec is not None else None
        return locations[0] if locations else None
    path = path.removeprefix("file://")
    return None if "://" in path else path
