"""The README's walkthrough, pasted verbatim into bash twice against `make run` (in a copy of
the repository, on free ports): every step prints what the README's comments say.

It once ordered the photo of step 12 from a wallet the earlier steps had emptied (a 402,
then two minutes of waiting on a job that did not exist) and paid at localstripe's default
port whatever LOCALSTRIPE_PORT said; no test pasted it.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess

import pytest

from testing import ROOT
from tests import make_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.payments,
    pytest.mark.skipif(not shutil.which("make"), reason="no make"),
]

# What the README's comments promise, in the order the steps print it.
PROMISED = [
    '{"balance":0,"reserved":0,"available":0,"owed":0}',
    '"email_verified":true,"credits":200',
    '{"balance":200,"reserved":80,"available":120,"owed":0}',
    '{"balance":120,"reserved":0,"available":120,"owed":0}',
    "sora-2-lite 40 settled",
    "cancelled refunded",
    "409",
    "True 80 settled",
    "{'spent': 600, 'refunded': 80, 'held': 0, 'purchased': 0}",
    "Starter 500 500 usd",
    "Creator 2500 2000 usd",
    "succeeded",
    "purchase 500 {'pack': 'Starter', 'amount': 500, 'currency': 'usd', 'top_up': '",
    "no difference.",
    "no drift.",
]
# Printed without a comment quoting it: step 12's signed link to the fitted picture, after
# step 11's usage and before step 14's packs.
ALSO = ["/input-image?expires="]
BEFORE_ALSO = PROMISED.index("{'spent': 600, 'refunded': 80, 'held': 0, 'purchased': 0}") + 1


def walkthrough() -> str:
    # The README's short walkthrough is the first steps of this one, word for word
    # (tests/test_docs.py): pasting the whole one covers both.
    page = (ROOT / "docs" / "walkthrough.md").read_text()
    section = page.split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


def test_the_promises_are_the_readme_s():
    script = walkthrough()
    for promise in PROMISED:
        assert promise in script, promise


def test_the_walkthrough_pasted_twice_prints_what_the_readme_says(tmp_path_factory, tmp_path):
    repository = make_run.copy_repository(tmp_path_factory.mktemp("walkthrough"))
    log = tmp_path / "make-run.log"
    make, ports = make_run.start(repository, log)
    try:
        make_run.wait_until_everything_runs(make, f"http://127.0.0.1:{ports['PORT']}", log)
        for paste in (1, 2):
            pasted = subprocess.run(
                ["bash"],
                input=walkthrough(),
                cwd=repository,
                # a terminal's environment, not pytest's (its DATABASE_URL is the test
                # database's: manage.py must read the copy's .env, as the README says)
                env={"PATH": os.environ["PATH"], "HOME": str(repository.parent), **ports},
                capture_output=True,
                text=True,
                timeout=600,
            )
            output = pasted.stdout + pasted.stderr
            assert "Traceback" not in output, f"paste {paste}:\n{output}"
            assert "after 2 minutes" not in output, f"paste {paste}:\n{output}"
            at = 0
            for promise in PROMISED[:BEFORE_ALSO] + ALSO + PROMISED[BEFORE_ALSO:]:
                found = output.find(promise, at)
                assert found >= 0, f"paste {paste}: {promise!r} not after {output[at:]!r}"
                at = found + len(promise)
        # The downloads went to a temporary folder, not the project's.
        assert not list(repository.glob("*.mp4")) and not (repository / "photo.png").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)
