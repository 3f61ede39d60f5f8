"""The build's persistent store, bulk-loaded in a child process while the build validates and writes its exports.

The store is one `oxigraph load` of the sorted N-Quads: done after the exports, it was half of a large build.
A second process loads it on the other core as soon as the N-Quads are written; the build waits for it only
after its own work, then switches the generation and renames the loaded store into place
(:func:`citykg.store.install`). A build that fails or is interrupted stops the child and removes its folder;
a killed build's child dies with it (Linux: ``PR_SET_PDEATHSIG``) and the next build removes the folder
(:func:`citykg.generations.clean`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from citykg import store as stores

#: What the child runs: die with the parent, then load (citykg.store.load_folder).
_CHILD = "from citykg.storeloader import _child; _child()"


class StoreLoader:
    """Loads ``nquads`` into a temporary store folder beside ``build_dir/store`` in a child process; nothing
    to do when the current store already holds these N-Quads (its stamp names ``digest``)."""

    def __init__(self, build_dir: Path, nquads: Path, digest: str) -> None:
        self.build_dir, self.nquads, self.digest = build_dir, nquads, digest
        self.child: subprocess.Popen | None = None
        self.temp: Path | None = None
        if stores._stamp(build_dir / stores.STORE_DIR) == digest:
            return
        self.temp = Path(tempfile.mkdtemp(prefix=stores.STAGING, dir=build_dir))
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(os.getpid()), str(nquads), str(self.temp)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a failure is repeated in-process by install(), which says why
        )

    def wait(self) -> bool:
        """Wait for the child; True if it loaded the store."""
        if self.child is None:
            return True
        return self.child.wait() == 0

    def install(self) -> Path:
        """Put the loaded store in place (after the generation switch: readers compare its stamp with the
        manifest). If the child failed, load it here, where a failure raises as it always did."""
        if self.child is None:
            return stores.write_store(self.build_dir, self.nquads, self.digest)
        assert self.temp is not None
        if self.wait():
            return stores.install(self.build_dir, self.temp, self.digest)
        shutil.rmtree(self.temp, ignore_errors=True)
        public = self.build_dir / self.nquads.name  # the staging folder has become the current generation
        return stores.write_store(self.build_dir, public, self.digest)

    def cancel(self) -> None:
        """Stop the child and remove its folder (the build failed)."""
        if self.child is not None:
            if self.child.poll() is None:
                self.child.kill()
            self.child.wait()
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)


def _child() -> None:
    parent, nquads, folder = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    _die_with(parent)
    stores.load_folder(nquads, folder)


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (a killed build leaves no loader running)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request was made
