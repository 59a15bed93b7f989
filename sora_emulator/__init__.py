"""A standalone emulator of OpenAI's Videos API (Sora 2) for development and tests.

Run it with ``python -m sora_emulator --port 8001``; see ``--help`` for the settings.
It answers under ``/v1`` and ``/openai/v1`` (Azure), and OpenRouter's video API under
``/api/v1`` (see ``openrouter``), offers the models of its catalog
(Sora 2 unless configured, see ``catalog``), keeps on each job what its request carried
(``server.store.get(video_id).received``) and, given a state directory, keeps its jobs
across restarts.
"""

from sora_emulator.config import EmulatorSettings
from sora_emulator.server import EmulatorServer, make_server, serve_in_thread

__all__ = ["EmulatorServer", "EmulatorSettings", "make_server", "serve_in_thread"]
