"""Where tests write the files a tool must find at a fixed place in the checkout (the git-ignored .tmp/).

`make test` runs the suite on several pytest-xdist workers, each with its own sandboxes on their own free
ports, so each worker writes its own copy, in a folder named after it (PYTEST_XDIST_WORKER): a worker never
reads a config that points at another worker's sandbox. Without xdist the files go straight in .tmp/<name>/.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generated_dir(name: str) -> Path:
    return ROOT / ".tmp" / name / os.environ.get("PYTEST_XDIST_WORKER", "")
