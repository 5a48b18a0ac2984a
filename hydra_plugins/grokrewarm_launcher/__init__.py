"""The project's Hydra launcher: ``launcher=parallel`` (see ``parallel_launcher``)."""
