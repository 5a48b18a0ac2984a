"""Registers the config's schemas (``grokrewarm.config_schema``) in Hydra's ConfigStore: Hydra
imports this package while it scans plugins, before it composes any config."""

from grokrewarm.config_schema import register

register()
