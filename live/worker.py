"""The web process's gunicorn worker: uvicorn's, ending open event streams at shutdown.

An event stream never finishes by itself, so uvicorn's graceful shutdown would wait for it
until gunicorn's --graceful-timeout kills the worker. Told to drain first, every stream of
the worker ends at once (EventSource reconnects, to another worker, with Last-Event-ID),
while other requests in flight still finish.
"""

import sys

import uvicorn
from gunicorn.arbiter import Arbiter
from uvicorn_worker import UvicornWorker as _UvicornWorker

from live.broker import broker


class _Server(uvicorn.Server):
    async def shutdown(self, sockets=None) -> None:
        broker.drain()
        await super().shutdown(sockets)


class UvicornWorker(_UvicornWorker):
    async def _serve(self) -> None:
        # uvicorn_worker's own _serve, with the server above.
        self.config.app = self.wsgi
        server = _Server(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
