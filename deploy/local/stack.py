"""The whole stack with podman on a machine that cannot pull images: a Debian base made here with
debootstrap, the app image (deploy/Dockerfile), PostgreSQL from Debian's package, the Chroma server from the
app image, and podman-compose over deploy/compose.yaml with deploy/compose.local.yaml on top.

    python deploy/local/stack.py build [--rebuild-base] [--sentence-transformers]
    python deploy/local/stack.py compose up -d          # any podman-compose arguments
    python deploy/local/stack.py compose down --volumes
    eval "$(python deploy/local/stack.py env)"          # CONTAINERS_CONF for plain podman commands

What belongs to this machine is read from it each time, never written into the repository: the Debian mirror
and release (apt's sources, /etc/os-release), pip's configuration (`pip config list`, with the local paths it
names), the CA bundle, and the resource limits podman may give a container. Images are kept in podman's store
between runs: the base is made only when it is missing (or `--rebuild-base`), and podman's layer cache makes
a rebuild with unchanged dependencies take seconds. Standard library only; root is needed for debootstrap.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
APP_IMAGE = "localhost/innkjopsassistent:latest"  # what deploy/compose.yaml calls innkjopsassistent:latest
POSTGRES_IMAGE = "localhost/innkjopsassistent-postgres:15"  # Debian bookworm's PostgreSQL is 15
COMPOSE_FILES = (ROOT / "deploy" / "compose.yaml", ROOT / "deploy" / "compose.local.yaml")
# Just enough for `python -m venv` and HTTPS; the Dockerfiles add their own packages.
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
# podman's default open-files limit for a container (1048576) is above what some sandboxes allow.
PODMAN_DEFAULT_NOFILE = 1_048_576
CA_BUNDLE_IN_IMAGE = "/etc/ssl/certs/ca-certificates.crt"  # Debian's path, read by pip and apt alike


def log(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    directory = base / "innkjopsassistent"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


# ---- what this machine is ----------------------------------------------------------------------------------


def os_codename(os_release: Path = Path("/etc/os-release")) -> str:
    for line in os_release.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key == "VERSION_CODENAME" and value.strip('"'):
            return value.strip('"')
    raise SystemExit(f"no VERSION_CODENAME in {os_release}: is this Debian?")


def apt_sources(apt_dir: Path = Path("/etc/apt")) -> list[tuple[str, list[str]]]:
    """(URI, suites) of every `deb` source apt uses, from one-line .list files and deb822 .sources files."""
    found: list[tuple[str, list[str]]] = []
    lists = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in lists:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    found.append((words[1], [words[2]]))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            fields = dict(
                (k.strip().lower(), v.strip())
                for k, _, v in (ln.partition(":") for ln in stanza.splitlines() if not ln.startswith("#"))
                if v
            )
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                for uri in fields.get("uris", "").split():
                    found.append((uri, fields.get("suites", "").split()))
    return found


def debian_mirrors(codename: str, sources: list[tuple[str, list[str]]]) -> dict[str, str]:
    """The mirror apt uses for each of the release's suites (`bookworm`, `-updates`, `-security`)."""
    mirrors: dict[str, str] = {}
    for uri, suites in sources:
        for suite in suites:
            if suite in (codename, f"{codename}-updates", f"{codename}-security"):
                mirrors.setdefault(suite, uri.rstrip("/"))
    if codename not in mirrors:
        raise SystemExit(f"apt has no source for {codename!r}: cannot debootstrap the base image")
    return mirrors


def ca_bundle() -> Path | None:
    for candidate in (os.environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def pip_configuration() -> dict[str, str]:
    """pip's effective settings on this machine (files and PIP_* variables), `key → value`."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    by_section: dict[str, dict[str, str]] = {"global": {}, "install": {}, ":env:": {}}
    for line in listed.splitlines():
        name, _, value = line.partition("=")
        section, _, key = name.rpartition(".")
        if section in by_section and key:
            by_section[section][key] = value.strip().strip("'\"")
    return by_section["global"] | by_section["install"] | by_section[":env:"]  # pip's own precedence


def local_paths(settings: dict[str, str]) -> list[Path]:
    """The existing files and folders pip's settings name (find-links, file:// indexes, cert, constraints)."""
    paths: list[Path] = []
    for value in settings.values():
        for word in value.split():
            path = Path(urlparse(word).path) if word.startswith("file://") else Path(word)
            if path.name == "simple":  # a local index: its pages link to files beside it (../files/…)
                path = path.parent
            if path.is_absolute() and path.exists() and path not in paths:
                paths.append(path)
    return paths


def containers_conf() -> Path:
    """A containers.conf for this machine: runc, and container limits no higher than this process's own
    hard limits (podman's defaults are refused where they are above them). CONTAINERS_CONF, if set, wins."""
    if os.environ.get("CONTAINERS_CONF"):
        return Path(os.environ["CONTAINERS_CONF"])
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = PODMAN_DEFAULT_NOFILE if nofile == resource.RLIM_INFINITY else min(nofile, PODMAN_DEFAULT_NOFILE)
    # Processes: also no more than the kernel's pid_max (seen here: 32768 accepted, 65536 refused with
    # pid_max 32768 and a hard limit of 96364).
    nproc = int(Path("/proc/sys/kernel/pid_max").read_text())
    if resource.getrlimit(resource.RLIMIT_NPROC)[1] != resource.RLIM_INFINITY:
        nproc = min(nproc, resource.getrlimit(resource.RLIMIT_NPROC)[1])
    limits = [f'"nofile={nofile}:{nofile}"', f'"nproc={nproc}:{nproc}"']
    text = "# Written by deploy/local/stack.py from this machine's limits.\n"
    text += f"[containers]\ndefault_ulimits = [{', '.join(limits)}]\n"
    if shutil.which("runc"):  # crun (podman's other runtime) fails on some hosts' hybrid cgroups
        text += '[engine]\nruntime = "runc"\n'
    path = cache_dir() / "containers.conf"
    path.write_text(text, encoding="utf-8")
    return path


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(containers_conf())}


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    log("$ " + shlex.join(command))
    return subprocess.run(command, check=True, env=podman_env(), **kwargs)


# ---- images ---------------------------------------------------------------------------------------------


def base_image_name(codename: str) -> str:
    return f"localhost/innkjopsassistent-base:{codename}"


def image_exists(image: str) -> bool:
    return subprocess.run(["podman", "image", "exists", image], env=podman_env()).returncode == 0


def build_base(codename: str, image: str) -> None:
    """debootstrap a minimal Debian with Python from apt's own mirror, and import it as `image`."""
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is missing: apt-get install debootstrap")
    mirrors = debian_mirrors(codename, apt_sources())
    with tempfile.TemporaryDirectory(prefix="innkjopsassistent-base-") as directory:
        rootfs = Path(directory) / "rootfs"
        run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=" + ",".join(BASE_PACKAGES),
                codename,
                str(rootfs),
                mirrors[codename],
            ],
            stdout=subprocess.DEVNULL,
        )
        lines = [f"deb {uri} {suite} main" for suite, uri in mirrors.items()]
        (rootfs / "etc/apt/sources.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*"):
            for path in rootfs.glob(pattern):
                path.unlink() if path.is_file() else shutil.rmtree(path)
        for path in rootfs.glob("usr/share/doc/*/*"):  # the copyright files stay
            if path.name != "copyright":
                path.unlink() if path.is_file() or path.is_symlink() else shutil.rmtree(path)
        for path in rootfs.glob("usr/share/man/*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        changes = [
            'CMD ["python3"]',
            "ENV LANG=C.UTF-8",
            f"LABEL innkjopsassistent.mirror={mirrors[codename]}",
        ]
        command = ["podman", "import", *(a for c in changes for a in ("--change", c)), "-", image]
        run(command, stdin=tar.stdout, stdout=subprocess.DEVNULL)
        if tar.wait() != 0:
            raise SystemExit("tar of the base image's root failed")


def volume_arguments(mounts: list[str]) -> list[str]:
    return [argument for mount in mounts for argument in ("-v", mount)]


def ca_mounts() -> list[str]:
    """This machine's CA bundle over the image's own, for the build's apt-get and pip."""
    bundle = ca_bundle()
    return [f"{bundle}:{CA_BUNDLE_IN_IMAGE}:ro"] if bundle is not None else []


def pip_mounts(pip_conf: Path) -> list[str]:
    """This machine's pip configuration at /etc/pip.conf and the local paths it names, read only; nothing
    of them is committed into the image."""
    settings = pip_configuration()
    lines = ["[global]"] + [f"{key} = {value}" for key, value in settings.items()]
    pip_conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mounts = [f"{pip_conf}:/etc/pip.conf:ro"]
    return mounts + [f"{path}:{path}:ro" for path in local_paths(settings) if str(path) != CA_BUNDLE_IN_IMAGE]


def build_image(dockerfile: Path, context: Path, tag: str, base: str, mounts: list[str], args: dict) -> None:
    command = ["podman", "build", "--pull=never", "--network", "host", "--format", "docker", "--layers"]
    command += ["-f", str(dockerfile), "-t", tag, "--build-arg", f"BASE_IMAGE={base}", *mounts]
    for key, value in args.items():
        command += ["--build-arg", f"{key}={value}"]
    run([*command, str(context)])


def cmd_build(args) -> int:
    codename = os_codename()
    base = base_image_name(codename)
    timings: dict[str, float] = {}
    started = time.monotonic()
    if args.rebuild_base or not image_exists(base):
        build_base(codename, base)
        timings["base"] = time.monotonic() - started
    else:
        log(f"reusing {base} (--rebuild-base makes it again)")
    with tempfile.TemporaryDirectory(prefix="innkjopsassistent-build-") as directory:
        mounts = volume_arguments(ca_mounts() + pip_mounts(Path(directory) / "pip.conf"))
        step = time.monotonic()
        app_args = {"TORCH_INDEX_URL": args.torch_index_url}
        if args.sentence_transformers:
            app_args["SENTENCE_TRANSFORMERS"] = "1"
        build_image(ROOT / "deploy" / "Dockerfile", ROOT, APP_IMAGE, base, mounts, app_args)
        timings["app"] = time.monotonic() - step
        step = time.monotonic()
        local = ROOT / "deploy" / "local"
        build_image(
            local / "postgres.Dockerfile", local, POSTGRES_IMAGE, base, volume_arguments(ca_mounts()), {}
        )
        timings["postgres"] = time.monotonic() - step
    sizes = [
        subprocess.run(
            ["podman", "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}", image],
            capture_output=True, text=True, env=podman_env(), check=True,
        ).stdout.strip()
        for image in (base, APP_IMAGE, POSTGRES_IMAGE)
    ]  # fmt: skip
    log("built in " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
    log("images: " + "; ".join(sizes))
    return 0


# ---- compose ---------------------------------------------------------------------------------------------


def compose_command() -> list[str]:
    found = shutil.which("podman-compose")
    if found:
        return [found]
    try:
        import podman_compose  # noqa: F401
    except ImportError:
        raise SystemExit("podman-compose is missing: pip install podman-compose") from None
    return [sys.executable, "-m", "podman_compose"]


def cmd_compose(args) -> int:
    files = [argument for path in COMPOSE_FILES for argument in ("-f", str(path))]
    project = ["-p", args.project] if args.project else []
    command = [*compose_command(), *project, *files, *args.arguments]
    log("$ " + shlex.join(command))
    return subprocess.run(command, env=podman_env()).returncode


def cmd_env(_args) -> int:
    print(f"export CONTAINERS_CONF={shlex.quote(str(containers_conf()))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True)
    build = sub.add_parser("build", help="the base (if missing), the app and the PostgreSQL images")
    build.add_argument("--rebuild-base", action="store_true", help="debootstrap the base again")
    build.add_argument("--sentence-transformers", action="store_true", help="add torch and its backend")
    build.add_argument(
        "--torch-index-url", default="", help="torch's index for --sentence-transformers (default: pip's)"
    )
    build.set_defaults(run=cmd_build)
    compose = sub.add_parser("compose", help="podman-compose with compose.yaml and compose.local.yaml")
    compose.add_argument("-p", "--project", help="compose project name (default: the file's)")
    compose.add_argument("arguments", nargs=argparse.REMAINDER)
    compose.set_defaults(run=cmd_compose)
    env = sub.add_parser("env", help="print the CONTAINERS_CONF export for plain podman commands")
    env.set_defaults(run=cmd_env)
    args = parser.parse_args(argv)
    if shutil.which("podman") is None:
        raise SystemExit("podman is missing: apt-get install podman buildah runc fuse-overlayfs uidmap")
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
