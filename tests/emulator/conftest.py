"""One emulator process for the whole run (demo seed plus the emulator's test pools), reset to
its seed before every test so tests never see each other's users, sessions or clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cognito_emulator.seed import DEMO_SEED
from tests.emulator.helpers import cognito, hook
from tests.servers import EmulatorProcess

TEST_SEED = Path(__file__).with_name("test_seed.yaml")


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    demo, test = yaml.safe_load(DEMO_SEED.read_text()), yaml.safe_load(TEST_SEED.read_text())
    pools = demo["pools"] + test["pools"]
    functions = {**(demo.get("functions") or {}), **(test.get("functions") or {})}
    seed = tmp_path_factory.mktemp("seed") / "seed.yaml"
    seed.write_text(yaml.safe_dump({"functions": functions, "pools": pools}))
    process = EmulatorProcess(seed)
    process.start()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def _fresh_emulator(emulator_process: EmulatorProcess) -> None:
    status, _ = hook(emulator_process.url, "POST", "/_emulator/reset")
    assert status == 200


@pytest.fixture
def url(emulator_process: EmulatorProcess) -> str:
    return emulator_process.url


@pytest.fixture(scope="session")
def _shared_client(emulator_process: EmulatorProcess) -> Any:
    return cognito(emulator_process.url)


@pytest.fixture
def idp(url: str, _shared_client: Any) -> Any:
    """A boto3 cognito-idp client on a freshly reset emulator."""
    return _shared_client
