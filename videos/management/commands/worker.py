"""`make run`'s worker: django-q2's qcluster, stopping within seconds of SIGTERM or Ctrl-C.

qcluster's own handler deadlocks when its whole process group is signalled, which is how
honcho stops a Procfile process: the sentinel dies of the same SIGTERM, possibly holding the
lock of the event the handler then sets, so the cluster hangs until honcho SIGKILLs it. Here
the handler only takes note; the cluster gets GRACE_SECONDS to stop on its own (when only
this process was signalled), then what is left of its process group is terminated. A task
cut short is retried, as after any crash (Q_CLUSTER's retry).
"""

import os
import signal
import threading

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands import qcluster

GRACE_SECONDS = 3


class Command(qcluster.Command):
    help = (
        "Run the task queue's worker cluster (qcluster) until SIGTERM or Ctrl-C, and stop it "
        f"and all of its processes within {GRACE_SECONDS} seconds."
    )

    def add_arguments(self, parser):
        pass  # none of qcluster's: one cluster, run until stopped

    def handle(self, *args, **options):
        settings.SECRET_KEY  # noqa: B018 - qcluster signs tasks with it: fail before starting
        stopping = threading.Event()
        cluster = Cluster()  # sets qcluster's handlers: ours replace them
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stopping.set())
        cluster.start()
        while not stopping.wait(0.5):
            if not cluster.sentinel.is_alive():
                self.stderr.write("The cluster's sentinel died; stopping.")
                break
        self._stop(cluster, status=0 if stopping.is_set() else 1)

    def _stop(self, cluster: Cluster, *, status: int) -> None:
        # Setting the stop event may block forever on a lock a dead sentinel held: in a
        # thread of its own that this process does not wait for.
        threading.Thread(target=cluster.stop_event.set, daemon=True).start()
        cluster.sentinel.join(GRACE_SECONDS)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if os.getpgrp() == os.getpid():
            # The sentinel's children (workers, pusher, monitor) outlive its death: end the
            # whole group, this process excepted (it ignores SIGTERM now, they do not).
            os.killpg(os.getpid(), signal.SIGTERM)
        elif cluster.sentinel.is_alive():
            cluster.sentinel.kill()
        self.stdout.write("Worker stopped.")
        # Past the stop event nothing is left to wait for: skip multiprocessing's exit
        # handlers, which join the sentinel and could block on the same lock.
        self.stdout.flush()
        os._exit(status)
