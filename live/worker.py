"""The web process's gunicorn worker: uvicorn's, ending open event streams at shutdown.

An event stream never finishes by itself, so uvicorn's graceful shutdown would wait for it
until gunicorn's --graceful-timeout kills the worker. Told to drain first, every stream of
the worker ends at once (EventSource reconnects, to another worker, with Last-Event-ID),
while other requests in flight still finish.

It also believes X-Forwarded-For only from settings.TRUSTED_PROXIES (none by default),
whatever gunicorn's --forwarded-allow-ips or FORWARDED_ALLOW_IPS say: uvicorn would
otherwise trust 127.0.0.1, and a client on the host could pick its own throttle key.
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
        # The app is loaded, so Django's settings are: one setting for uvicorn and Django.
        from django.conf import settings

        self.config.forwarded_allow_ips = list(settings.TRUSTED_PROXIES)
        server = _Server(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
