"""Writing files so that readers never see half of one, and checking first that they can be written.

Every file or run folder evomod writes goes to a hidden temporary name
beside its destination, ``.NAME.HOST.PID.TOKEN.tmp`` (and the
destination's suffix, for a file), and is renamed into
place when complete. Files are created with the permissions the umask
allows (as ``open`` would), not ``mkstemp``'s private 0600, so colleagues
sharing a folder can read them. A process killed mid-write (SIGKILL, a
power cut) leaves its temporary behind; ``clean_stale`` removes such
leftovers on the next write to the same destination, once their process is
gone or they are older than ``STALE_SECONDS``.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

from evomod.registry import ConfigError


def umask() -> int:
    """The process's umask, read without changing it where Linux tells it
    (``/proc/self/status``); elsewhere set and restored at once.

    Examples
    --------
    >>> old = os.umask(0o027)
    >>> oct(umask()), oct(file_mode())
    ('0o27', '0o640')
    >>> _ = os.umask(old)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open()`` gives a new file: 0666 less the umask (mkstemp's are 0600); see :func:`umask`."""
    return 0o666 & ~umask()


def fsync_dir(folder) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened).

    Parameters
    ----------
    folder : str or Path
        The directory whose entries (a rename just made) must reach the disk.
    """
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


STALE_SECONDS = 600  # no write takes this long; a temporary this old is a leftover
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp(\.[^.]*)?$")


def temp_path(path: Path, keep_suffix: bool = False) -> Path:
    """A fresh hidden temporary name beside ``path`` that records who made it.

    Parameters
    ----------
    path : Path
        The destination.
    keep_suffix : bool
        End the name with ``path``'s suffix too (writers that infer a format from it).

    Returns
    -------
    Path
        ``.NAME.HOST.PID.TOKEN.tmp`` (then the suffix) in ``path``'s folder; nothing is created.

    Examples
    --------
    >>> tmp = temp_path(Path("out/summary.json"), keep_suffix=True)
    >>> tmp.parent, tmp.name.startswith(".summary.json."), tmp.name.endswith(".tmp.json")
    (PosixPath('out'), True, True)
    """
    path = Path(path)
    suffix = path.suffix if keep_suffix else ""
    return path.with_name(f".{path.name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def clean_stale(path: Path, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove leftover temporaries of ``path`` (``.NAME.*.tmp`` beside it):
    those of a process of this host that has ended, and any older than
    ``max_age`` seconds. Errors are ignored (a leftover that cannot be
    removed harms nothing).

    Parameters
    ----------
    path : Path
        The destination whose leftovers are looked for.
    max_age : float
        Seconds after which any temporary counts as a leftover.

    Returns
    -------
    list of Path
        What was removed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     old = Path(d) / f".x.json.{_HOST}.999999999.00ff.tmp.json"   # a process that has ended
    ...     _ = old.write_text("half")
    ...     [p.name == old.name for p in clean_stale(Path(d) / "x.json")]
    [True]
    """
    path = Path(path)
    removed = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in siblings:
        name = entry.name
        if not (name.startswith(f".{path.name}.") and (name.endswith(".tmp") or ".tmp." in name)):
            continue
        m = _TEMP.match(name)
        try:
            old = now - entry.lstat().st_mtime > max_age
        except OSError:
            continue
        ours = m is not None and m["name"] == path.name
        dead = ours and m["host"] == _HOST and int(m["pid"]) != os.getpid() and not _alive(int(m["pid"]))
        if old or dead:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink()
                except OSError:
                    continue
            removed.append(entry)
    return removed


def atomic_write(path, write: Callable[[Path], object], durable: bool = False) -> Path:
    """``write(tmp)`` into a temporary file beside ``path``, then rename it
    over ``path``: readers see the old file or the new one.

    ``tmp`` ends in ``path``'s suffix (writers that infer the format from it
    still work) and exists already, created with the umask's permissions;
    ``write`` must write exactly that file (``np.savez`` given a name not
    ending in .npz would add the suffix: pass it an open file instead). The
    file is synced to disk before the rename; ``durable``: the folder too
    after it, so that the rename survives a power cut once this returns.

    Parameters
    ----------
    path : str or Path
        The destination; its folder is created if needed.
    write : callable
        ``write(tmp)`` writes the whole file at ``tmp``. If it raises, the
        temporary is removed and ``path`` is left as it was.
    durable : bool
        Also sync the folder after the rename.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = atomic_write(Path(d) / "a.txt", lambda tmp: tmp.write_text("new"))
    ...     try:
    ...         atomic_write(p, lambda tmp: 1 / 0)      # a writer that fails
    ...     except ZeroDivisionError:
    ...         pass
    ...     p.read_text(), sorted(x.name for x in Path(d).iterdir())
    ('new', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path)
    tmp = temp_path(path, keep_suffix=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
    return path


def atomic_write_text(path, text: str) -> Path:
    """:func:`atomic_write` of a UTF-8 text.

    Parameters
    ----------
    path : str or Path
    text : str

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     atomic_write_text(Path(d) / "r.md", "# report").read_text()
    '# report'
    """
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _describe(exc: OSError) -> str:
    reasons = {errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
               errno.EPERM: "not permitted", errno.ENOENT: "no such directory",
               errno.ENOTDIR: "a path component is not a directory", errno.ENOSPC: "no space left",
               errno.EDQUOT: "disk quota exceeded"}
    return reasons.get(exc.errno, exc.strerror or exc.__class__.__name__)


def check_writable(path, what: str, *, directory: bool = False) -> None:
    """Raise ``ConfigError`` (one line naming ``what``, its key) unless ``path`` can be
    created or replaced: every existing parent must be a directory, a
    dangling symlink is refused, and a probe file is made (and removed) in
    the nearest existing folder, which catches read-only file systems,
    /proc and missing permissions alike. Nothing is left behind.

    Parameters
    ----------
    path : str or Path
    what : str
        The flag or key the path came from (``--out``), named in the message.
    directory : bool
        ``path`` is a folder to be created (it may exist).

    Raises
    ------
    ConfigError

    Examples
    --------
    >>> check_writable("/proc/evomod-test/out.json", "--out")
    Traceback (most recent call last):
    ...
    evomod.registry.ConfigError: --out /proc/evomod-test/out.json: cannot write in /proc (...)
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{what} {path}: is a symbolic link to nothing ({os.readlink(path)})", what)
    if path.exists():
        if directory and not path.is_dir():
            raise ConfigError(f"{what} {path}: is a file, not a directory", what)
        if not directory and path.is_dir():
            raise ConfigError(f"{what} {path}: is a directory, not a file", what)
    folder = path if directory and path.is_dir() else path.parent
    ancestor = folder
    while not ancestor.exists():
        if ancestor.is_symlink():
            raise ConfigError(f"{what} {path}: {ancestor} is a symbolic link to nothing", what)
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"{what} {path}: {ancestor} is a file, not a directory", what)
    probe = temp_path(ancestor / "probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot write in {ancestor} ({_describe(exc)})", what) from None
