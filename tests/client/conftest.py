"""A Python client generated with openapi-python-client from the live server's /schema.

    storycraft_client   (session) the generated package, imported: .Client,
                        .AuthenticatedClient, .api.<tag>.<operation>, .models

openapi-python-client runs from its own cached virtualenv (`make client`,
scripts/tool_venv.py); without it the tests fail (never skip: testing.tool_executable).
The generated code needs httpx, attrs and python-dateutil at run time, which the app's
virtualenv has.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from testing import tool_executable

CONFIG = Path(__file__).resolve().parent / "openapi-python-client.yml"
PACKAGE = "storycraft_client"


@pytest.fixture
def storycraft_client(live_server, tmp_path):
    """Generated afresh from what the running server serves at /schema now."""
    output = tmp_path / PACKAGE
    finished = subprocess.run(
        [
            str(tool_executable("client", marker="client")),
            "generate",
            "--url",
            f"{live_server.url}/schema?format=json",
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--output-path",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    # A warning means an operation or a response the generator left out of the client.
    assert "WARNING" not in finished.stdout + finished.stderr, finished.stdout + finished.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]
