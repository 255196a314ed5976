"""The build cache: what the previous build read, rendered and wrote, kept on disk so that the
next build redoes only what changed.

One file per output directory, `.rassegna-cache/<out name>/state.pickle` beside the output,
replaced atomically at the end of each successful build. It is only ever an optimisation:
a missing, unreadable, damaged or foreign state means a full build, never a wrong one.

The files are pickles, and unpickling runs code: each file is signed with a key kept in the
user's own cache folder (`~/.cache/rassegna/cache.key`, not beside the site), and a file whose
signature does not match is never unpickled. A cache written by anyone else, or changed by
hand, is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib
import os
import pickle
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from generator import __version__
from generator.errors import Diagnostic
from generator.files import Signature, walk
from generator.model import FileRecord, RenderedArticle
from generator.text import digest

FORMAT = 4  # 3: signed files; 4: site signatures without ctime
MANIFEST_FILE = "inputs.pickle"  # small: read first, and alone when nothing changed
STATE_FILE = "state.pickle"
# A file modified this close to the start of the build that recorded it may have changed again
# within the file system's timestamp resolution: its bytes are compared, not its mtime.
RACY_NS = 2_000_000_000

# The libraries whose versions shape the output (imported by the stages anyway: reading their
# __version__ costs nothing, unlike importlib.metadata).
LIBRARIES = ("jinja2", "markdown_it", "mdit_py_plugins", "slugify", "yaml", "babel")  # babel: CLDR's data


@dataclass
class Manifest:
    """What a build read and what it reported."""

    settings: str  # the generator, paths and options it was made with: another value starts over
    stamp: str  # also written in the site's marker: the state describes that site
    started_ns: int  # when its build began
    inputs: dict[str, tuple[Signature, str]] = field(default_factory=dict)  # file -> (signature, digest)
    summary: tuple[int, int, int, str] = (0, 0, 0, "/")  # pages, articles, entities, base path
    diagnostics: tuple[Diagnostic, ...] = ()  # the warnings of the build, to repeat when nothing changed
    outputs: dict[str, Signature] = field(default_factory=dict)  # every file of the site as written


@dataclass
class BuildState:
    """What a build made, to take again for what has not changed."""

    manifest: Manifest
    files: dict[str, FileRecord] = field(default_factory=dict)  # article or entity file -> record
    rendered: dict[str, tuple[str, RenderedArticle]] = field(default_factory=dict)  # slug -> (key, body)
    pages: dict[str, str] = field(default_factory=dict)  # page path -> key
    words: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # slug -> (key, lowercase names)


def cache_dir(out: Path) -> Path:
    """`.rassegna-cache/<name>` beside the output directory: never inside what gets published."""
    return out.resolve().parent / ".rassegna-cache" / out.resolve().name


def load_manifest(directory: Path, settings: str) -> Manifest | None:
    manifest = _read(directory / MANIFEST_FILE)
    return manifest if isinstance(manifest, Manifest) and manifest.settings == settings else None


def load_state(directory: Path, manifest: Manifest) -> BuildState | None:
    state = _read(directory / STATE_FILE)
    return state if isinstance(state, BuildState) and state.manifest.stamp == manifest.stamp else None


GONE_FILE = "gone.txt"


def save_gone(directory: Path, removed: Iterable[str], present: Iterable[str]) -> None:
    """The pages earlier builds published that the site no longer has (`removed` by this
    one, or before and not back since): `rassegna check --site` warns of each."""
    kept = set(present)
    gone = sorted((set(read_gone(directory)) | set(removed)) - kept)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / GONE_FILE).write_text("".join(f"{page}\n" for page in gone), encoding="utf-8")


def read_gone(directory: Path) -> list[str]:
    try:
        return (directory / GONE_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return []


def save_state(directory: Path, state: BuildState) -> None:
    """The state, then the manifest that points at it: a reader sees both or a mismatch."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / STATE_FILE, state)
    _write(directory / MANIFEST_FILE, state.manifest)


def _read(path: Path) -> object:
    key = signing_key()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    signature, payload = data[:SIGNATURE_SIZE], memoryview(data)[SIGNATURE_SIZE:]  # no copy of a large state
    if key is None or not hmac.compare_digest(signature, _sign(key, payload)):
        return None  # not ours, or damaged: never unpickled
    try:
        return pickle.loads(payload)
    except Exception:  # a damaged file that kept its signature (a bug of ours): start afresh
        return None


def _write(path: Path, value: object) -> None:
    """Streamed, as a large state should be: the signature's place first, the pickle through a
    hash, then the signature in its place."""
    key = signing_key()
    if key is None:
        return  # no key, no cache: the next build is a full one
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with temp.open("wb") as file:
            file.write(bytes(SIGNATURE_SIZE))
            signed = _Signed(file, key)
            pickler = pickle.Pickler(signed, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = True  # no memo of each of the millions of objects written: the state is acyclic
            pickler.dump(value)
            file.seek(0)
            file.write(signed.hash.digest())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


class _Signed:
    """A file to write a pickle to, hashing what goes through."""

    def __init__(self, file: BinaryIO, key: bytes) -> None:
        self.file, self.hash = file, hashlib.blake2b(key=key, digest_size=SIGNATURE_SIZE)

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return self.file.write(data)


SIGNATURE_SIZE = 32


def _sign(key: bytes, payload: bytes | memoryview) -> bytes:
    return hashlib.blake2b(payload, key=key, digest_size=SIGNATURE_SIZE).digest()


@functools.cache
def signing_key() -> bytes | None:
    """This user's key, made on first use (readable by the user alone); None when there is no
    place to keep it, which means no cache."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rassegna"
    path = home / "cache.key"
    try:
        return _existing_key(path) or _new_key(home, path)
    except (OSError, RuntimeError):
        return None


def _existing_key(path: Path) -> bytes | None:
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    return key if len(key) == 32 else None


def _new_key(home: Path, path: Path) -> bytes:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = home / f".cache.key.{os.getpid()}"
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(32))
    os.replace(temp, path)  # two builds at once: one key wins, both read it back
    key = _existing_key(path)
    if key is None:
        raise RuntimeError("the key could not be read back")
    return key


def scan(*roots: Path) -> dict[str, Signature]:
    """Every file under `roots` with its signature, by path as the load stage names it."""
    return {os.path.join(root, path): signature for root in roots for path, signature in walk(root).items()}


def changed_files(signatures: dict[str, Signature], manifest: Manifest | None) -> set[str]:
    """Files that are new, or whose bytes may differ from the ones `manifest` recorded; and
    files it knew that are gone."""
    if manifest is None:
        return set(signatures)
    racy_after = manifest.started_ns - RACY_NS
    changed = set(manifest.inputs) - set(signatures)
    for path, signature in signatures.items():
        known = manifest.inputs.get(path)
        if known is None or known[0] != signature:
            changed.add(path)
        elif signature[0] >= racy_after and file_digest(Path(path)) != known[1]:
            changed.add(path)
    return changed


def file_digest(path: Path) -> str:
    try:
        return digest(path.read_bytes())
    except OSError:
        return ""


@functools.cache
def generator_digest() -> str:
    """The generator's own code and the libraries that shape its output: a changed module or
    an upgraded library invalidates every cached result."""
    package = Path(__file__).resolve().parent
    libraries = [f"{name} {importlib.import_module(name).__version__}" for name in LIBRARIES]
    parts = [__version__.encode(), str(FORMAT).encode(), *(library.encode() for library in libraries)]
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix().encode(), path.read_bytes()]
    return digest(b"\0".join(parts))
