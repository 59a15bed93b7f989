"""`make run`: what is set in the environment beats `.env` in every process it starts."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_script():
    spec = importlib.util.spec_from_file_location("make_run", ROOT / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_environment_beats_dotenv_in_the_processes_honcho_starts(tmp_path):
    (tmp_path / ".env").write_text("WELCOME_CREDITS=200\nOPENAI_AUTH_STYLE=bearer\n")
    (tmp_path / "Procfile").write_text(
        f"show: {sys.executable} -c \"import os; print('seen', "
        "os.environ['WELCOME_CREDITS'], os.environ['OPENAI_AUTH_STYLE'])\"\n"
    )
    command = _run_script().honcho_command(["show"], procfile=tmp_path / "Procfile")
    environment = {
        "PATH": "/usr/bin:/bin",
        "WELCOME_CREDITS": "500",
        "OPENAI_AUTH_STYLE": "api-key",
    }
    finished = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )
    assert "seen 500 api-key" in finished.stdout, finished.stdout + finished.stderr
