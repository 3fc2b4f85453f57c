"""Zappa build hooks (zappa_settings.json): every `zappa package/deploy/update` runs them.

- ``collect_static`` (``prebuild_script``): collectstatic into staticfiles/, which goes into the
  package and is served by WhiteNoise (the manifest must match the code being shipped).
- ``compile_bytecode`` (``callbacks.zip``): removes staticfiles/ from the checkout once it is in
  the zip (left there it went stale and hid a missing collectstatic from local production-mode
  runs, `make run-prod` collects its own), and rewrites the zip with bytecode Lambda can use. Zappa
  stores every file with a 1980 timestamp and /var/task is read-only, so the timestamp-checked .pyc
  files pip wrote never match and every cold start compiled each imported module again;
  unchecked-hash .pyc files (PEP 552) are used as they are.
"""

import marshal
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.util import MAGIC_NUMBER, cache_from_source, source_hash
from pathlib import Path

# Zappa zips the project directory: the static files must be collected inside it.
PACKAGED_STATIC_ROOT = Path(__file__).resolve().parent.parent / "staticfiles"


def collect_static() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},  # manage.py's
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(PACKAGED_STATIC_ROOT),
        # collectstatic signs nothing, but settings refuse to load without a key.
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "collectstatic-only",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "--verbosity", "0"],
        env=env,
        check=True,
    )


def _runtime_version(runtime: str) -> tuple[int, int]:
    major, minor = runtime.removeprefix("python").split(".")[:2]
    return int(major), int(minor)


def _unchecked_pyc(source: bytes, filename: str) -> bytes:
    """What ``py_compile`` writes with PycInvalidationMode.UNCHECKED_HASH."""
    code = compile(source, filename, "exec", dont_inherit=True)
    flags = 0b01  # hash-based, source not checked
    return MAGIC_NUMBER + flags.to_bytes(4, "little") + source_hash(source) + marshal.dumps(code)


def rewrite_with_bytecode(zip_path: str | Path) -> tuple[int, int]:
    """Replace the zip's .pyc files by unchecked-hash bytecode of its .py files.

    Returns (modules compiled, files that are not valid Python 3 and stay source only).
    """
    zip_path = Path(zip_path)
    rewritten = zip_path.with_name(zip_path.name + ".tmp")
    compiled = skipped = 0
    with (
        zipfile.ZipFile(zip_path) as source_zip,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target_zip,
    ):
        # Everything in __pycache__ goes, Zappa's own additions too (it puts an __init__.py in
        # every directory holding .pyc files, __pycache__ included).
        names = sorted(
            n
            for n in source_zip.namelist()
            if not n.endswith((".pyc", "/")) and "__pycache__" not in n.split("/")
        )
        for name in names:
            data = source_zip.read(name)
            target_zip.writestr(_zip_info(name), data)
            if not name.endswith(".py"):
                continue
            try:
                pyc = _unchecked_pyc(data, f"/var/task/{name}")  # the paths Lambda shows
            except (SyntaxError, ValueError):
                skipped += 1
                continue
            target_zip.writestr(_zip_info(cache_from_source(name)), pyc)
            compiled += 1
    rewritten.replace(zip_path)
    return compiled, skipped


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o755 << 16  # as Zappa writes them: readable by Lambda's user
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def compile_bytecode(cli) -> None:
    shutil.rmtree(PACKAGED_STATIC_ROOT, ignore_errors=True)  # in the zip now
    runtime = _runtime_version(cli.runtime)
    if sys.version_info[:2] != runtime:
        print(f"Not precompiling: Python {sys.version_info[:2]} is not the runtime's {runtime}.")
        return
    compiled, skipped = rewrite_with_bytecode(cli.zip_path)
    print(f"Precompiled {compiled} modules into {cli.zip_path} ({skipped} not Python 3).")
