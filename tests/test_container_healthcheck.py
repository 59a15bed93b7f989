from testing import ROOT, free_port, run_python

HEALTHCHECK = str(ROOT / "docker" / "healthcheck.py")


def env(port: int, allowed_hosts: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "PORT": str(port), "ALLOWED_HOSTS": allowed_hosts}


def test_it_passes_when_the_server_answers(live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    result = run_python([HEALTHCHECK], env(port, ".localhost,storycraft.example.com"))
    assert result.returncode == 0, result.stderr


def test_it_fails_when_nothing_listens():
    result = run_python([HEALTHCHECK], env(free_port(), "localhost"))
    assert result.returncode == 1
    assert "healthcheck:" in result.stderr
