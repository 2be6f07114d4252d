"""The build cache shared through S3, against a real S3 API on 127.0.0.1 (moto's server) and the local index:
two "machines" (two empty local caches) and one bucket.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.workflows.python_pip import pip_runner
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

pytestmark = pytest.mark.usefixtures("offline_pip")

BUCKET = "lambda-pip-cache"
SECRET = "secret-access-key-that-must-not-show"
# An sdist built here (with a C compiler), a native wheel, and pure wheels.
REQUIREMENTS = "required-c-extension\nbinary-three-platforms\nsdist-only-pure\npure-app\n"
RUNTIME = "python%d.%d" % sys.version_info[:2]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on 127.0.0.1, for the tests of this module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """An empty bucket on the S3 server (emptied of any other test's), and credentials for it."""
    import urllib.request

    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{s3_server}/moto-api/reset", method="POST"), timeout=10)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", SECRET),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "LAMBDA_PIP_CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket=BUCKET)
    return client, s3_server


def objects(client) -> Dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def build(tmp_path: Path, package_index, machine: str, endpoint: str, *options: str, output: str = "out"):
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / machine / output),
                     "--zip", str(tmp_path / machine / f"{output}.zip"), "--runtime", RUNTIME,
                     "--architecture", X86_64, "-i", package_index.url, "--scratch-dir", str(tmp_path / "scratch"),
                     "--cache-dir", str(tmp_path / machine / "cache"), "--cache-url", f"s3://{BUCKET}/team",
                     "--cache-endpoint", endpoint, "--json", *options], stream=err, out=out)
    return code, json.loads(out.getvalue()), err.getvalue()


def no_pip(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pip ran on the second machine")

    monkeypatch.setattr(pip_runner.SubprocessPip, "main", refuse)


def test_a_second_machine_builds_from_the_bucket_without_pip_and_gives_a_byte_identical_zip(
        tmp_path, package_index, s3, monkeypatch):
    client, endpoint = s3
    code, first, err = build(tmp_path, package_index, "first", endpoint)
    assert code == 0, err
    assert first["remote_cache"]["build_found"] is False and first["remote_cache"]["record_published"] is True
    stored = objects(client)
    wheels = [key for key in stored if key.startswith("team/wheels/")]
    assert len(wheels) == 5 and len([k for k in stored if k.startswith("team/builds/")]) == 1
    for key in wheels:  # content-addressed
        assert hashlib.sha256(stored[key]).hexdigest() == key[len("team/wheels/"):-len(".whl")]

    no_pip(monkeypatch)
    code, second, err = build(tmp_path, package_index, "second", endpoint)

    assert code == 0, err
    assert second["remote_cache"]["build_found"] is True
    assert len(second["remote_cache"]["fetched"]) == 5 and second["remote_cache"]["refused"] == []
    assert (tmp_path / "second" / "out.zip").read_bytes() == (tmp_path / "first" / "out.zip").read_bytes()
    assert check_bundle(str(tmp_path / "second" / "out"), RUNTIME, X86_64).problems == []
    assert objects(client) == stored, "nothing more written"
    assert SECRET not in err + json.dumps(second) + json.dumps(first)


def test_a_tampered_wheel_in_the_bucket_is_refused_built_again_and_replaced(tmp_path, package_index, s3):
    client, endpoint = s3
    assert build(tmp_path, package_index, "first", endpoint)[0] == 0
    wheel = package_index.directory / "pure_lib-2.1-py3-none-any.whl"  # from the index: the same bytes again
    key = f"team/wheels/{hashlib.sha256(wheel.read_bytes()).hexdigest()}.whl"
    assert key in objects(client)
    client.put_object(Bucket=BUCKET, Key=key, Body=b"not the wheel")

    code, second, err = build(tmp_path, package_index, "second", endpoint)

    assert code == 0, err
    assert second["remote_cache"]["refused"] == [key[len("team/"):]] and second["remote_cache"]["build_found"] is False
    assert "damaged or foreign" in err
    assert (tmp_path / "second" / "out" / "pure_lib" / "__init__.py").read_bytes() == \
        (tmp_path / "first" / "out" / "pure_lib" / "__init__.py").read_bytes()
    assert check_bundle(str(tmp_path / "second" / "out"), RUNTIME, X86_64).problems == []
    repaired = objects(client)[key]
    assert hashlib.sha256(repaired).hexdigest() == key[len("team/wheels/"):-len(".whl")]


def test_a_read_only_cache_writes_nothing(tmp_path, package_index, s3):
    client, endpoint = s3

    code, document, err = build(tmp_path, package_index, "untrusted", endpoint, "--cache-readonly")

    assert code == 0, err
    assert document["remote_cache"]["readonly"] is True and document["remote_cache"]["published"] == []
    assert objects(client) == {}


@pytest.mark.parametrize("endpoint,bucket", [("http://127.0.0.1:9", BUCKET), (None, "no-such-bucket-here")])
def test_an_unreachable_or_missing_bucket_is_one_warning_and_a_local_build(tmp_path, package_index, s3,
                                                                           endpoint, bucket):
    _, moto_endpoint = s3
    (tmp_path / "requirements.txt").write_text("pure-app\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--runtime", RUNTIME, "-i", package_index.url, "--cache-dir", str(tmp_path / "cache"),
                     "--cache-url", f"s3://{bucket}/team", "--cache-endpoint", endpoint or moto_endpoint, "--json"],
                    stream=err, out=out)

    assert code == 0, err.getvalue()
    assert err.getvalue().count("the remote build cache is not used") == 1
    assert json.loads(out.getvalue())["remote_cache"]["unavailable"]
    assert (tmp_path / "out" / "pure_app").is_dir()


def test_two_builds_writing_the_same_keys_at_once_both_succeed(tmp_path, package_index, s3):
    client, endpoint = s3
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    environment = dict(os.environ)

    def command(machine):
        return [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
                "-o", str(tmp_path / machine / "out"), "--runtime", RUNTIME, "-i", package_index.url,
                "--cache-dir", str(tmp_path / machine / "cache"), "--cache-url", f"s3://{BUCKET}/team",
                "--cache-endpoint", endpoint, "--json", "--zip", str(tmp_path / machine / "out.zip")]

    runs = [subprocess.Popen(command(machine), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
            for machine in ("one", "two")]
    results = [run.communicate(timeout=600) for run in runs]

    for run, (stdout, stderr) in zip(runs, results):
        assert run.returncode == 0, stderr.decode()
        assert json.loads(stdout)["remote_cache"]["unavailable"] is None
    stored = objects(client)
    assert len([k for k in stored if k.startswith("team/builds/")]) == 1
    for key, data in stored.items():
        if key.startswith("team/wheels/"):
            assert hashlib.sha256(data).hexdigest() == key[len("team/wheels/"):-len(".whl")]


def test_in_a_network_namespace_with_only_127_0_0_1_the_second_machine_needs_no_index_pip_or_compiler(
        tmp_path, package_index, s3):
    """The second build runs where nothing but its own loopback is reachable (``unshare -n``): the bucket's
    objects are served there by a moto server of its own, and the package index is out of reach, so any pip
    run (and so any compiler) would fail the build. The environment is the first machine's (the key covers
    the interpreters and the compiler settings: a fleet of runners shares one image)."""
    client, endpoint = s3
    assert build(tmp_path, package_index, "first", endpoint)[0] == 0
    dump = tmp_path / "bucket"
    for key, data in objects(client).items():
        (dump / key).parent.mkdir(parents=True, exist_ok=True)
        (dump / key).write_bytes(data)
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    script = tmp_path / "second_machine.py"
    script.write_text(textwrap.dedent(f"""
        import os, subprocess, sys
        from pathlib import Path
        import boto3
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{{host}}:{{port}}"
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket={BUCKET!r})
        dump = Path({str(dump)!r})
        for path in dump.rglob("*"):
            if path.is_file():
                client.put_object(Bucket={BUCKET!r}, Key=str(path.relative_to(dump)), Body=path.read_bytes())
        done = subprocess.run([sys.executable, "-m", "aws_lambda_builders.cli", "build",
                               "-r", {str(tmp_path / "requirements.txt")!r}, "-o", {str(tmp_path / "second" / "out")!r},
                               "--zip", {str(tmp_path / "second" / "out.zip")!r}, "--runtime", {RUNTIME!r},
                               "-i", {package_index.url!r}, "--cache-dir", {str(tmp_path / "second" / "cache")!r},
                               "--cache-url", "s3://{BUCKET}/team", "--cache-endpoint", endpoint, "--json"])
        server.stop()
        sys.exit(done.returncode)
    """))

    done = subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {sys.executable} {script}"],
                          capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    second = json.loads(done.stdout)
    assert second["remote_cache"]["build_found"] is True and len(second["remote_cache"]["fetched"]) == 5
    assert (tmp_path / "second" / "out.zip").read_bytes() == (tmp_path / "first" / "out.zip").read_bytes()


def test_a_damaged_wheel_built_from_an_sdist_is_replaced_with_the_record_that_names_the_new_one(
        tmp_path, package_index, s3, monkeypatch):
    """A wheel compiled here differs from one compiled on another machine: the second machine's record,
    naming its own wheel, replaces the record whose wheel was damaged, and a third machine places it."""
    client, endpoint = s3
    assert build(tmp_path, package_index, "first", endpoint)[0] == 0
    downloaded = {hashlib.sha256(p.read_bytes()).hexdigest() for p in package_index.directory.iterdir()}
    built = next(k for k in objects(client) if k.startswith("team/wheels/")
                 and k[len("team/wheels/"):-len(".whl")] not in downloaded)
    client.put_object(Bucket=BUCKET, Key=built, Body=b"damaged")

    code, second, err = build(tmp_path, package_index, "second", endpoint)
    assert code == 0, err
    assert second["remote_cache"]["refused"] == [built[len("team/"):]]

    no_pip(monkeypatch)
    code, third, err = build(tmp_path, package_index, "third", endpoint)
    assert code == 0, err
    assert third["remote_cache"]["build_found"] is True and third["remote_cache"]["refused"] == []
    assert (tmp_path / "third" / "out.zip").read_bytes() == (tmp_path / "second" / "out.zip").read_bytes()


def test_an_sdist_built_by_one_machine_is_not_built_again_by_another_for_other_requirements(
        tmp_path, package_index, s3, monkeypatch):
    client, endpoint = s3
    assert build(tmp_path, package_index, "first", endpoint)[0] == 0
    assert [k for k in objects(client) if k.startswith("team/built/")], "the wheel built from the sdist is shared"
    builds = []
    real = pip_runner.PipRunner.build_wheels

    def recording(self, sdists, *args, **kwargs):
        builds.append(list(sdists))
        return real(self, sdists, *args, **kwargs)

    monkeypatch.setattr(pip_runner.PipRunner, "build_wheels", recording)
    (tmp_path / "other.txt").write_text("required-c-extension\npure-lib\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "other.txt"), "-o", str(tmp_path / "second" / "out"),
                     "--runtime", RUNTIME, "-i", package_index.url, "--cache-dir", str(tmp_path / "second" / "cache"),
                     "--cache-url", f"s3://{BUCKET}/team", "--cache-endpoint", endpoint, "--json"],
                    stream=err, out=out)

    assert code == 0, err.getvalue()
    document = json.loads(out.getvalue())
    assert document["remote_cache"]["build_found"] is False, "another set of requirements: not built whole before"
    assert builds == [], "the sdist's wheel came from the bucket"
    assert any(name.startswith("required_c_extension-1.0-") for name in document["remote_cache"]["fetched"])
    assert check_bundle(str(tmp_path / "second" / "out"), RUNTIME, X86_64).problems == []
