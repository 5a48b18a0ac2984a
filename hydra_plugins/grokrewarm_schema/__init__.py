"""Registers the config's schemas (``grokrewarm.config_schema``) in Hydra's ConfigStore: Hydra
imports this package while it scans plugins, before it composes any config. Its module
``budget_tables`` serves each experiment's and domain's ``budgets:`` table as the configs
``scale/<experiment>/<budget>`` and ``domain_scale/<domain>/<budget>``."""

from grokrewarm.config_schema import register

register()
