"""Container healthcheck: exit 0 when this container's web server answers GET /healthz.

Runs without Django so it stays cheap. It sends the first ALLOWED_HOSTS name as the Host
header, because Django refuses any other host before a view is reached.
"""

import http.client
import os
import sys


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0] if hosts else "localhost"
    if host == "*":
        return "localhost"
    return host.lstrip(".")  # ".example.com" also allows example.com itself


def main() -> int:
    port = int(os.environ.get("PORT") or 8000)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host_header()})
        status = connection.getresponse().status
    except OSError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"healthcheck: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
