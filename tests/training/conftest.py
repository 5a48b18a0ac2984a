"""Overrides shared by the resume and interruption tests."""

import pytest

from tests.overrides import CUSUM_FIRING_OFTEN, SMOKE


@pytest.fixture(scope="session")
def smoke() -> list[str]:
    return list(SMOKE)


@pytest.fixture(scope="session")
def cusum_firing_often() -> list[str]:
    return list(CUSUM_FIRING_OFTEN)
