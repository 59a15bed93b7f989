"""A standalone emulator of OpenAI's Videos API (Sora 2) for development and tests.

Run it with ``python -m sora_emulator --port 8001``; see ``--help`` for the settings.
"""

from sora_emulator.config import EmulatorSettings
from sora_emulator.server import EmulatorServer, make_server, serve_in_thread

__all__ = ["EmulatorServer", "EmulatorSettings", "make_server", "serve_in_thread"]
