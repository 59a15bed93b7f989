"""localstripe, keeping its state in a file of our choosing instead of /tmp/localstripe.pickle
(one file that every localstripe on the machine would read at start and overwrite: a test
run's payments would show up in `make run`'s, and the other way round).

    <localstripe's python> scripts/localstripe_server.py STATE_FILE --port PORT

Runs under localstripe's own virtualenv (scripts/tool_venv.py localstripe), not .venv.
"""

import pickle
import sys

from localstripe import resources


def main() -> None:
    state = sys.argv.pop(1)

    def load(store) -> None:
        try:
            with open(state, "rb") as file:
                saved = pickle.load(file)  # noqa: S301 - our own file, written below
        except FileNotFoundError:
            return
        store.clear()
        store.update(saved)

    def dump(store) -> None:
        with open(state, "wb") as file:
            pickle.dump(store, file, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump
    from localstripe.server import start

    start()


if __name__ == "__main__":
    main()
