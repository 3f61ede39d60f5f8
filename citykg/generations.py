"""Build generations: the exports, the store cache and the manifest are replaced as one set.

A build writes every file into a new folder ``build/generations/.tmp-N-…``, renames it to
``build/generations/N`` and then switches one pointer, the symlink ``build/current -> generations/N``
(a symlink made beside it and renamed over it: atomic). The public names ``build/citykg.nq``,
``build/manifest.json`` and the other exports are symlinks through the pointer (``citykg.nq ->
current/citykg.nq``), so every reader that opens them by name keeps working and sees one whole build.
A build killed at any point leaves the previous generation current and whole; the next build removes
its leftovers (temporary folders, generations nothing points to, temporary files of the older
file-by-file writer). A reader that reads several files and wants them from one build resolves the
pointer once with :func:`resolve` and reads every name from the folder it returns.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

GENERATIONS = "generations"
CURRENT = "current"
TEMPORARY = ".tmp-"
#: Folders of a store being loaded or replaced (citykg.store.STAGING and its old-store sibling).
STORE_LEFTOVERS = r"^\.store(-old)?\."


def resolve(build_dir: Path) -> Path:
    """The folder of the current generation (``build_dir`` itself for a build of the older layout)."""
    pointer = build_dir / CURRENT
    return pointer.resolve() if pointer.is_symlink() and pointer.resolve().is_dir() else build_dir


def current_number(build_dir: Path) -> int | None:
    pointer = build_dir / CURRENT
    if not pointer.is_symlink():
        return None
    name = pointer.readlink().name
    return int(name) if name.isdigit() else None


def publish(build_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (name -> bytes) as a new generation and make it current; returns the public paths."""
    staging = Staging(build_dir)
    try:
        for name, data in sorted(files.items()):
            staging.write(name, data)
    except BaseException:
        staging.abort()
        raise
    return staging.commit()


class Staging:
    """A generation being written: files go into a temporary folder one by one (so a large build never holds
    every export in memory at once), and :meth:`commit` makes them current with one switch."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        root = build_dir / GENERATIONS
        root.mkdir(parents=True, exist_ok=True)
        clean(build_dir)
        _adopt_older_layout(build_dir)
        numbers = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
        self.number = max([*numbers, current_number(build_dir) or 0]) + 1
        self.folder = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY}{self.number}-", dir=root))
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        return self.folder / name

    def write(self, name: str, data: bytes) -> Path:
        """Write one file into the generation (synced to disk before the switch can name it)."""
        with self.path(name).open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        self.path(name).chmod(0o666 & ~_umask())
        self.names.append(name)
        return self.path(name)

    def write_pieces(self, name: str, pieces: Iterable[bytes]) -> str:
        """Write one file from pieces (never all in memory at once); returns its sha256."""
        output = self.output(name)
        for piece in pieces:
            output.write(piece)
        return output.close()

    def output(self, name: str) -> Output:
        """A file of the generation written piece by piece (:meth:`Output.close` returns its sha256)."""
        self.names.append(name)
        return Output(self.path(name))

    def adopt(self, name: str) -> Path:
        """Count a file another process wrote into :meth:`path` (synced, with these permissions) as written."""
        self.names.append(name)
        return self.path(name)

    def abort(self) -> None:
        """Forget the generation: the current one stays as it was."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def commit(self) -> list[Path]:
        """Make the generation current (the one switch); returns the public paths of its files."""
        build_dir, number = self.build_dir, self.number
        self.folder.chmod(0o777 & ~_umask())
        _fsync_dir(self.folder)
        root = build_dir / GENERATIONS
        final = root / str(number)
        self.folder.rename(final)
        _fsync_dir(root)
        _symlink_atomically(build_dir / CURRENT, Path(GENERATIONS) / str(number))  # the one switch
        for name in sorted(self.names):  # public names through the pointer (made once; older real files replaced)
            link = build_dir / name
            wanted = Path(CURRENT) / name
            if not (link.is_symlink() and link.readlink() == wanted):
                _symlink_atomically(link, wanted)
        _fsync_dir(build_dir)
        clean(build_dir, stores=False)  # the build's own store may still be loading
        return [build_dir / name for name in sorted(self.names)]


class Output:
    """One file written piece by piece: synced to disk and given the generation's permissions when closed."""

    def __init__(self, path: Path) -> None:
        self.path, self.handle, self.digest = path, path.open("wb"), hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.handle.write(data)

    def close(self) -> str:
        """Sync and close; the sha256 of what was written."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        self.path.chmod(0o666 & ~_umask())
        return self.digest.hexdigest()


def _adopt_older_layout(build_dir: Path) -> None:
    """Turn a build of the older layout (real files in ``build/``) into generation 0 before the first switch.

    The files are hard-linked into the generation, the pointer is set, and only then is each real file
    replaced by a link with the same content: killed at any step, every name still shows the old build.
    """
    if current_number(build_dir) is not None:
        return
    names = sorted(
        p.name
        for p in build_dir.iterdir()
        if p.is_file() and not p.is_symlink() and re.match(r"^(citykg\.[a-z]+|manifest\.json)$", p.name)
    )
    if not names:
        return
    staging = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY}0-", dir=build_dir / GENERATIONS))
    for name in names:
        try:
            os.link(build_dir / name, staging / name)
        except OSError:
            shutil.copy2(build_dir / name, staging / name)
    staging.chmod(0o777 & ~_umask())
    staging.rename(build_dir / GENERATIONS / "0")
    _symlink_atomically(build_dir / CURRENT, Path(GENERATIONS) / "0")
    for name in names:
        _symlink_atomically(build_dir / name, Path(CURRENT) / name)


def clean(build_dir: Path, *, stores: bool = True) -> list[Path]:
    """Remove what interrupted builds left: temporary folders and files, generations that are not current,
    and (``stores``: not while a build's own store is loading) half-loaded stores."""
    removed: list[Path] = []
    keep = current_number(build_dir)
    root = build_dir / GENERATIONS
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith(TEMPORARY) or (path.name.isdigit() and int(path.name) != keep):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
                removed.append(path)
    if build_dir.is_dir():
        for path in build_dir.iterdir():  # write_atomically's and _symlink_atomically's temporary names
            if re.match(r"^\.(citykg\.|manifest\.json\.|link-)", path.name) and (path.is_file() or path.is_symlink()):
                path.unlink(missing_ok=True)
                removed.append(path)
            elif stores and re.match(STORE_LEFTOVERS, path.name) and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _symlink_atomically(link: Path, target: Path) -> None:
    temporary = link.parent / f".link-{link.name}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    temporary.replace(link)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
