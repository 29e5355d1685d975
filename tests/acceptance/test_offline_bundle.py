"""User story: an integrator builds the offline bundle where the registry is reachable, then
installs it on a hospital server with no network and runs the demo and the service unit."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# Any attempt to reach an index goes to a closed port and fails: the install is offline.
NO_NETWORK = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_FIND_LINKS": "",
    "PIP_CONFIG_FILE": os.devnull,  # no wheelhouse of this machine's pip configuration
}
ARCHES = ("x86_64", "aarch64")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle as shipped (x86_64 and aarch64) with one driver extra, unpacked."""
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PLATFORMS": "x86_64 aarch64", "EXTRAS": "mysql", "OUT": str(out)}
    subprocess.run([ROOT / "scripts" / "build-bundle"], env=env, check=True, timeout=600)
    (tarball,) = out.glob("hisms-*-offline.tar.gz")
    with tarfile.open(tarball) as tar:
        tar.extractall(out, filter="data")
    (unpacked,) = (p for p in out.iterdir() if p.is_dir())
    return unpacked


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_bundle_installs_with_no_network_and_runs_the_demo(
    bundle: Path, tmp_path: Path
) -> None:
    assert (bundle / "etc" / "systemd" / "hisms.service").is_file()
    assert any(bundle.glob("wheels/PyMySQL-*.whl")) or any(bundle.glob("wheels/pymysql-*.whl"))
    assert any(bundle.glob("wheels/hisms-*.whl")) and (bundle / "SHA256SUMS").is_file()
    # Every compiled dependency for CPython 3.11 on both platforms, as manylinux wheels.
    compiled = [w.name for w in bundle.glob("wheels/*.whl") if not w.name.endswith("-any.whl")]
    assert compiled
    for name in compiled:
        assert "manylinux" in name and ("cp311" in name or "abi3" in name), name
    by_arch = {arch: {n.split("-")[0].lower() for n in compiled if arch in n} for arch in ARCHES}
    assert by_arch["x86_64"] == by_arch["aarch64"], by_arch
    prefix = tmp_path / "opt-hisms"
    env = {**os.environ, **NO_NETWORK}
    subprocess.run(
        [bundle / "install.sh", "--prefix", str(prefix), "--with", "mysql"],
        env=env,
        check=True,
        timeout=600,
    )
    hisms = prefix / "bin" / "hisms"
    demo = subprocess.run(
        [hisms, "demo", "--db", str(tmp_path / "demo.db")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    assert "DELIVERED" in demo.stdout
    found = subprocess.run([prefix / "bin" / "python", "-c", "import pymysql"], timeout=30)
    assert found.returncode == 0  # the extra asked for came from the bundle too

    # The unit as installed, pointed at this prefix, passes systemd's own check.
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not on this machine")
    for name in ("hisms.service", "hisms-console.service"):
        unit = tmp_path / name
        text = (bundle / "etc" / "systemd" / name).read_text("utf-8")
        unit.write_text(text.replace("/opt/hisms", str(prefix)), "utf-8")
        checked = subprocess.run([verify, "verify", unit], capture_output=True, text=True)
        assert checked.returncode == 0, (name, checked.stderr)
