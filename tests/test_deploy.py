"""deploy/ stays deployable: images, the Dataflow Flex Template and the Flink manifests agree
with each other, with the installed Beam, and with ccprov's options; and the pipeline graph
builds for DataflowRunner and FlinkRunner (built and serialised, never submitted).

The shell scripts run for real with stand-ins for `gcloud`, `docker` and `ccprov` that record
their arguments, so what the scripts would send is checked, not what we think they send.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import apache_beam as beam
import pytest
import yaml
from apache_beam.options.pipeline_options import (
    FlinkRunnerOptions,
    PipelineOptions,
    S3Options,
    WorkerOptions,
)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BEAM_VERSION = beam.__version__
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
ARTIFACTS_FLAG = "--artifacts-dir="


@pytest.fixture(autouse=True)
def beam_temp_folders_in_tmp_path(tmp_path, monkeypatch):
    """Graphs built here are never run, so Beam never removes each Pipeline's temporary
    folder: keep them out of the machine's /tmp."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


# --- helpers --------------------------------------------------------------------------------
def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, pending = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped.removesuffix("\\").strip() + " "
        if not stripped.endswith("\\"):
            logical.append(pending.strip())
            pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def dockerignore_allows(ignore_file: Path, source: str) -> bool:
    """Whether `source` survives a `*` + `!path` style .dockerignore (last match wins)."""
    allowed = True
    for line in ignore_file.read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if pattern == "*" or source == pattern or source.startswith(pattern + "/"):
            allowed = negate
    return allowed


def yaml_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_objects() -> list[dict]:
    return [
        doc
        for path in sorted((DEPLOY / "flink" / "k8s").glob("*.yaml"))
        for doc in yaml_documents(path)
    ]


def load_launcher():
    spec = importlib.util.spec_from_file_location(
        "ccprov_flex_main", DEPLOY / "dataflow" / "main.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ccprov_actions() -> list[argparse.Action]:
    options = pytest.importorskip("pipeline.options")
    parser = argparse.ArgumentParser(add_help=False)
    options.CcprovOptions._add_argparse_args(parser)
    return [action for action in parser._actions if action.dest != "help"]


def metadata() -> dict:
    return json.loads((DEPLOY / "dataflow" / "metadata.json").read_text())


def flag_value(args: list[str], prefix: str) -> str:
    values = [arg.removeprefix(prefix) for arg in args if arg.startswith(prefix)]
    assert len(values) == 1, (prefix, args)
    return values[0]


def job_server_flink_version(image: str) -> str:
    match = re.fullmatch(r"apache/beam_flink(\d+\.\d+)_job_server:(.+)", image)
    assert match, image
    assert match.group(2) == BEAM_VERSION, f"job server {image} is not Beam {BEAM_VERSION}"
    return match.group(1)


def flink_image_version(image: str) -> str:
    match = re.fullmatch(r"flink:(\d+\.\d+)[\w.-]*", image)
    assert match, image
    return match.group(1)


def record_calls(bin_dir: Path, *names: str) -> Path:
    """Stand-in executables that append their argv (JSON, one call per line) to a log."""
    log = bin_dir / "calls.jsonl"
    for name in names:
        tool = bin_dir / name
        tool.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys\n"
            f"with open({str(log)!r}, 'a') as f:\n"
            "    f.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]) + '\\n')\n"
        )
        tool.chmod(0o755)
    return log


def recorded(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


# --- images ---------------------------------------------------------------------------------
def test_worker_image_is_the_beam_sdk_of_this_python_and_beam():
    froms = [args for op, args in dockerfile(DEPLOY / "sdk" / "Dockerfile") if op == "FROM"]
    assert froms == [f"apache/beam_python{PYTHON}_sdk:{BEAM_VERSION}"]
    entrypoints = [op for op, _ in dockerfile(DEPLOY / "sdk" / "Dockerfile") if op == "ENTRYPOINT"]
    assert entrypoints == []  # the SDK's boot must stay the entrypoint (worker / --worker_pool)
    # Read when the harness first imports pyarrow, before any ccprov code runs there.
    envs = [args for op, args in dockerfile(DEPLOY / "sdk" / "Dockerfile") if op == "ENV"]
    assert "ARROW_DEFAULT_MEMORY_POOL=system" in envs


def test_launcher_image_runs_main_py_on_the_flex_template_base():
    steps = dockerfile(DEPLOY / "dataflow" / "Dockerfile")
    python = PYTHON.replace(".", "")
    assert [a for op, a in steps if op == "FROM"] == [
        f"gcr.io/dataflow-templates-base/python{python}-template-launcher-base"
    ]
    env = dict(a.split("=", 1) for op, a in steps if op == "ENV")
    workdir = [a for op, a in steps if op == "WORKDIR"][-1]
    copies = {
        str(Path(workdir) / a.split()[1]).rstrip("/.") or workdir: a.split()[0]
        for op, a in steps
        if op == "COPY"
    }
    assert copies[env["FLEX_TEMPLATE_PYTHON_PY_FILE"]] == "deploy/dataflow/main.py"
    # Workers use the prebuilt SDK image: nothing may make them pip-install at start-up.
    assert not {"FLEX_TEMPLATE_PYTHON_REQUIREMENTS_FILE", "FLEX_TEMPLATE_PYTHON_SETUP_FILE"} & set(
        env
    )
    assert [a for op, a in steps if op == "ENTRYPOINT"] == [
        '["/opt/google/dataflow/python_template_launcher"]'
    ]


@pytest.mark.parametrize("image", ["sdk", "dataflow"])
def test_images_copy_sources_that_exist_and_survive_dockerignore(image):
    path = DEPLOY / image / "Dockerfile"
    sources = [a.split()[0] for op, a in dockerfile(path) if op == "COPY"]
    assert "deploy/constraints.txt" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"{path} copies missing {source}"
        assert dockerignore_allows(path.with_name("Dockerfile.dockerignore"), source), source
    run = " ".join(a for op, a in dockerfile(path) if op == "RUN")
    assert "-c constraints.txt ." in run
    # Same fix-up as the Makefile: fasttext-numpy2's module must win over fasttext-predict's.
    assert "--force-reinstall --no-deps -c constraints.txt fasttext-numpy2" in run


def pinned_versions(path: Path = DEPLOY / "constraints.txt") -> dict[str, str]:
    """A constraints file as {canonical name: version}."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_constraints_pin_versions_pyproject_allows():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = {
        canonicalize_name(r.name): r.specifier for r in map(Requirement, project["dependencies"])
    }
    pins = pinned_versions()
    assert pins["apache-beam"] == BEAM_VERSION
    # Every dependency pinned: lxml was not, so images built on different days could differ.
    assert not allowed.keys() - pins.keys(), f"not pinned: {sorted(allowed.keys() - pins.keys())}"
    for name, version in pins.items():
        assert name in allowed, f"constraints.txt pins {name}, which pyproject.toml does not use"
        assert allowed[name].contains(version), f"{name}=={version} outside {allowed[name]}"


def test_the_test_environment_has_the_pinned_versions():
    """`make install` installs with the constraints, so the suite tests what the images run."""
    from importlib.metadata import version

    for name, pinned in pinned_versions().items():
        assert version(name) == pinned, f"{name} {version(name)} installed, {pinned} pinned"


def test_test_tools_are_pinned_within_their_ranges():
    """tests/constraints.txt pins every test extra and the trainers' readers, within range."""
    from importlib.metadata import version

    from tests.test_readers import READER_PACKAGES

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    test_extras = [Requirement(r) for r in project["optional-dependencies"]["test"]]
    readers = [Requirement(r) for r in READER_PACKAGES]
    pins = pinned_versions(ROOT / "tests" / "constraints.txt")
    declared = {canonicalize_name(r.name): r.specifier for r in test_extras + readers}
    assert pins.keys() == declared.keys()
    for name, pinned in pins.items():
        assert declared[name].contains(pinned), f"{name}=={pinned} outside {declared[name]}"
    for requirement in test_extras:  # installed by `make install` at the pinned versions
        name = canonicalize_name(requirement.name)
        assert version(name) == pins[name], f"{name} {version(name)} installed, {pins[name]} pinned"


# --- Dataflow Flex Template -----------------------------------------------------------------
def test_metadata_declares_every_ccprov_option_and_only_real_beam_options():
    names = [param["name"] for param in metadata()["parameters"]]
    assert len(names) == len(set(names))
    ccprov = {action.dest for action in ccprov_actions()}
    assert ccprov <= set(names), f"missing from metadata.json: {sorted(ccprov - set(names))}"
    beam_options = set(PipelineOptions([]).get_all_options())
    extras = set(names) - ccprov
    assert extras <= beam_options, f"not pipeline options: {sorted(extras - beam_options)}"
    assert "sdk_container_image" in extras
    for param in metadata()["parameters"]:
        assert param["label"].strip() and param["helpText"].strip(), param["name"]
        # what Dataflow's launch refuses without: the image, and where to read and write
        required = {"sdk_container_image", "input", "output"}
        assert param.get("isOptional") is (param["name"] not in required), param["name"]


def test_metadata_regexes_match_what_the_options_accept():
    regexes = {p["name"]: p.get("regexes", []) for p in metadata()["parameters"]}

    def accepts(name: str, value: str) -> bool:
        return all(re.fullmatch(rx, value) for rx in regexes[name])

    for action in ccprov_actions():
        name = action.dest
        if isinstance(action, argparse._StoreTrueAction):
            assert accepts(name, "true") and accepts(name, "false") and not accepts(name, "yes!")
        elif action.choices:
            assert all(accepts(name, choice) for choice in action.choices), name
            assert not accepts(name, "not-a-choice"), name
        elif action.type is not None:
            assert regexes[name], f"{name} is typed but metadata.json does not validate it"
            # around a day: the limit of durations (the template took 86401, the run refused it)
            days = ["86000", "86399.9", "86400", "86400.0", "86400.5", "86401", "100000"]
            days += ["0086401", "000100"]
            for value in ["0", "0.5", "1", "2", "50000", "-1", "1.5", "x", *days]:
                try:
                    action.type(value)
                    parses = True
                except (ValueError, argparse.ArgumentTypeError):
                    parses = False
                assert accepts(name, value) == parses, (name, value)


def test_template_flags_become_argparse_switches():
    launcher = load_launcher()
    from pipeline.options import CcprovOptions
    from pipeline.plan import UsageError

    argv = launcher.template_argv(["--keep_dropped=true", "--quiet=false", "--output=gs://b/o"])
    assert argv == ["--keep_dropped", "--output=gs://b/o", "--sdk_location=container"]
    opts = PipelineOptions(argv).view_as(CcprovOptions)
    assert opts.keep_dropped is True and opts.quiet is False
    assert launcher.template_argv(["--sdk_location=default"]) == ["--sdk_location=default"]
    with pytest.raises(UsageError, match="keep_dropped"):
        launcher.template_argv(["--keep_dropped=maybe"])
    # Beam's own S3 switch, a template parameter too.
    argv = launcher.template_argv(["--s3_disable_ssl=true", "--s3_verify=False"])
    assert argv == ["--s3_disable_ssl", "--s3_verify=False", "--sdk_location=container"]
    s3 = PipelineOptions(argv).view_as(S3Options)
    assert s3.s3_disable_ssl is True and s3.s3_verify == "False"


def test_every_s3_setting_the_deploy_readme_lists_is_a_template_parameter():
    """deploy/README.md says the S3 options are template parameters of the same names;
    s3_session_token, s3_verify and s3_disable_ssl were missing from metadata.json."""
    readme = (DEPLOY / "README.md").read_text()
    section = readme.split("### S3 and S3-compatible storage", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`--(s3_\w+)`", section))
    assert {"s3_endpoint_url", "s3_session_token", "s3_verify", "s3_disable_ssl"} <= listed
    declared = {p["name"] for p in metadata()["parameters"]}
    assert listed <= declared, sorted(listed - declared)


DATAFLOW_ARGS = [
    "--runner=DataflowRunner",
    "--project=ccprov-test",
    "--region=us-central1",
    "--job_name=ccprov-graph-test",
    "--temp_location=gs://ccprov-test/temp",
    "--staging_location=gs://ccprov-test/staging",
    "--sdk_container_image=us-central1-docker.pkg.dev/ccprov-test/ccprov/ccprov-sdk:test",
    "--experiments=use_runner_v2",
    "--machine_type=n2-standard-4",
    "--disk_size_gb=50",
    "--max_num_workers=20",
    "--output=gs://ccprov-test/out",
    "--input=https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-22/segments/1/warc/a.warc.gz",
    "--keep_dropped=false",
]


def test_dataflow_launch_refuses_the_stock_worker_image():
    pytest.importorskip("pipeline.assembly")
    from pipeline.plan import UsageError

    without_image = [a for a in DATAFLOW_ARGS if not a.startswith("--sdk_container_image")]
    with pytest.raises(UsageError, match="sdk_container_image"):
        load_launcher().build(without_image)


@pytest.mark.parametrize(
    "flag",
    [
        "--output=out",
        f"--input={ROOT}/pipeline/sample/sample.warc.gz",
        f"--robots={ROOT}/pipeline/sample/sample.warc.gz",
        f"--ai-model={ROOT}/transforms/models/ai_detector-v1.ftz",
        None,  # no --input: the built-in sample, on the launcher's disk
    ],
)
def test_dataflow_launch_refuses_local_paths(flag):
    """Dataflow's workers cannot reach the launcher's disk: a local --output was accepted
    (and the job wrote where nobody looks), a run without --input read the local sample."""
    pytest.importorskip("pipeline.assembly")
    from pipeline.plan import UsageError

    if flag is None:
        args = [a for a in DATAFLOW_ARGS if not a.startswith("--input=")]
    else:
        name = flag.split("=")[0]
        args = [a for a in DATAFLOW_ARGS if not a.startswith(name + "=")] + [flag]
    with pytest.raises(UsageError, match="is a local path, which Dataflow's workers cannot") as e:
        load_launcher().build(args)
    # an output and the model are opened through Beam's file systems: no http(s) for them
    if flag and flag.startswith(("--output", "--ai-model")):
        assert "http" not in str(e.value)


def test_runners_are_named_in_any_case_and_cluster_flags_pass_through(capsys):
    """`--runner=directrunner` ran Beam's SwitchingDirectRunner (Prism) instead of ccprov's
    offline local runner, and Flink's own options were refused as unknown."""
    from pipeline.cli import _check_known_flags
    from pipeline.plan import UsageError, is_local_runner

    for name in ("directrunner", "Direct", "apache_beam.runners.direct.DirectRunner"):
        assert is_local_runner(PipelineOptions([f"--runner={name}"])), name
    assert not is_local_runner(PipelineOptions(["--runner=FlinkRunner"]))
    flags = ["--checkpointing_interval=60000", "--execution_mode_for_batch", "BATCH_FORCED"]
    for runner in ("FlinkRunner", "flink", "SparkRunner", "PortableRunner"):
        _check_known_flags(flags, runner)
        assert "--checkpointing_interval, --execution_mode_for_batch: not a ccprov" in (
            capsys.readouterr().err
        )
    with pytest.raises(UsageError, match="unknown option --checkpointing_interval"):
        _check_known_flags(flags, "DirectRunner")
    # ccprov's own options stay strict there: a typo or an abbreviation is not passed on
    for typo in ("--languges=en", "--ai-modle=m.ftz", "--keep", "--shard_sise=5"):
        with pytest.raises(UsageError, match=f"unknown option {typo.split('=')[0]}"):
            _check_known_flags([typo], "FlinkRunner")
    # and an unquoted glob's second file is still refused, not taken as an option's value
    with pytest.raises(UsageError, match="unexpected argument 'b.warc.gz'"):
        _check_known_flags(["--object_reuse", "--input", "a.warc.gz", "b.warc.gz"], "flink")


@pytest.mark.parametrize(
    ("args", "shares"),
    [
        (["--runner=SwitchingDirectRunner"], True),
        (["--runner=TestDirectRunner"], True),
        (["--runner=PrismRunner"], True),
        (["--runner=PrismRunner", "--environment_type=DOCKER"], False),
        (["--runner=FlinkRunner"], False),
        (["--runner=FlinkRunner", "--environment_type=loopback"], True),
        (["--runner=PortableRunner", "--job_endpoint=embed"], True),
    ],
)
def test_which_runs_have_their_workers_in_this_process(args, shares):
    from pipeline.plan import workers_share_this_disk

    assert workers_share_this_disk(PipelineOptions(args)) is shares


def test_dataflow_accepts_an_image_of_the_users_making():
    """The deprecated spelling of the image, or Beam installing ccprov into the stock image
    from a setup file or package, is not refused as "no ccprov image"."""
    pytest.importorskip("pipeline.assembly")
    without_image = [a for a in DATAFLOW_ARGS if not a.startswith("--sdk_container_image")]
    for extra in (
        "--worker_harness_container_image=r/ccprov:1",
        "--setup_file=./setup.py",
        "--requirements_file=requirements.txt",
    ):
        load_launcher().build([*without_image, extra])
    # prebuilding alone only rebuilds the stock image
    from pipeline.plan import UsageError

    with pytest.raises(UsageError, match="sdk_container_image is required"):
        load_launcher().build([*without_image, "--prebuild_sdk_container_engine=cloud_build"])


def test_only_a_dataflow_run_is_staged_as_a_template():
    """With the local runner the run happens: it was reported as "staged" (exit 0, no
    summary) because --template_location was given."""
    from pipeline.cli import staged_template

    assert staged_template(PipelineOptions(["--template_location=/t.json"])) is None
    dataflow = ["--runner=DataflowRunner", "--template_location=gs://b/t.json"]
    assert staged_template(PipelineOptions(dataflow)) == "gs://b/t.json"


def test_local_paths_on_a_cluster_are_named_in_a_warning(caplog):
    """A Flink cluster may mount a shared file system at the same path: a warning, not a
    refusal; with LOOPBACK the workers are in this process, so nothing is said."""
    import types

    from pipeline.plan import check_remote_run

    plan = types.SimpleNamespace(output="/data/out", inputs=["/data/a.warc.gz"])
    flink = ["--runner=FlinkRunner", "--job_endpoint=localhost:8099", "--input=/data/a.warc.gz"]
    with caplog.at_level("WARNING", logger="pipeline.plan"):
        check_remote_run(PipelineOptions(flink), plan)
        assert "--output /data/out and 1 more is a local path" in caplog.text
        caplog.clear()
        check_remote_run(PipelineOptions([*flink, "--environment_type=LOOPBACK"]), plan)
        assert caplog.text == ""


def test_dataflow_graph_builds_without_submitting():
    pytest.importorskip("pipeline.assembly")
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator
    from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner
    from apache_beam.transforms import environments

    pipeline, plan = load_launcher().build(DATAFLOW_ARGS)
    options = pipeline._options
    assert type(pipeline.runner).__name__ == "DataflowRunner"
    assert PipelineOptionsValidator(options, DataflowRunner()).validate() == []
    assert plan.output == "gs://ccprov-test/out"
    # What DataflowRunner does before submitting (apiclient.get_container_image_from_options,
    # which needs google-auth): the workers' environment is the given SDK image.
    image = options.view_as(WorkerOptions).sdk_container_image
    assert image == flag_value(DATAFLOW_ARGS, "--sdk_container_image=")
    env = environments.DockerEnvironment.from_container_image(
        image, artifacts=environments.python_sdk_dependencies(options)
    )
    proto = pipeline.to_runner_api(default_environment=env)
    assert [e.urn for e in proto.components.environments.values()] == ["beam:env:docker:v1"]
    runs_code = [t for t in proto.components.transforms.values() if t.environment_id]
    assert len(runs_code) >= 5
    assert {t.environment_id for t in runs_code} == set(proto.components.environments)


@pytest.fixture
def fake_tools(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = record_calls(bin_dir, "gcloud", "docker", "ccprov")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return env, log


def test_build_and_run_sends_declared_parameters_and_the_built_images(fake_tools):
    env, log = fake_tools
    env.update(
        PROJECT="ccprov-test",
        REGION="europe-west4",
        REPO="ccprov",
        BUCKET="gs://ccprov-test-bucket",
        TAG="t1",
        INPUT="CC-MAIN-2024-22",
        OUTPUT="gs://ccprov-test-bucket/out",
        EXTRA_PARAMETERS="languages=en,de~dedup=exact",
    )
    script = DEPLOY / "dataflow" / "build_and_run.sh"
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr

    calls = recorded(log)
    builds = [c for c in calls if c[:2] == ["docker", "build"]]
    built = {c[c.index("-t") + 1]: c[c.index("-f") + 1] for c in builds}
    assert sorted(Path(f).relative_to(ROOT).as_posix() for f in built.values()) == [
        "deploy/dataflow/Dockerfile",
        "deploy/sdk/Dockerfile",
    ]
    pushed = [c[2] for c in calls if c[:2] == ["docker", "push"]]
    assert sorted(pushed) == sorted(built)
    sdk_image = next(t for t, f in built.items() if f.endswith("sdk/Dockerfile"))
    launcher_image = next(t for t, f in built.items() if f.endswith("dataflow/Dockerfile"))

    (template_build,) = [c for c in calls if c[1:4] == ["dataflow", "flex-template", "build"]]
    assert template_build[template_build.index("--image") + 1] == launcher_image
    assert Path(template_build[template_build.index("--metadata-file") + 1]) == (
        DEPLOY / "dataflow" / "metadata.json"
    )
    spec = template_build[4]

    (run,) = [c for c in calls if c[1:4] == ["dataflow", "flex-template", "run"]]
    assert run[run.index("--template-file-gcs-location") + 1] == spec
    assert run[run.index("--additional-experiments") + 1] == "use_runner_v2"
    raw = run[run.index("--parameters") + 1]
    assert raw.startswith("^~^")  # gcloud's alternate delimiter: values keep their commas
    params = dict(item.split("=", 1) for item in raw[3:].split("~"))
    declared = {p["name"] for p in metadata()["parameters"]}
    assert set(params) <= declared, sorted(set(params) - declared)
    assert params["sdk_container_image"] == sdk_image
    assert params["languages"] == "en,de" and params["input"] == "CC-MAIN-2024-22"


def test_build_and_run_stops_without_settings(fake_tools):
    env, log = fake_tools
    script = DEPLOY / "dataflow" / "build_and_run.sh"
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "PROJECT" in done.stderr
    assert not log.exists()  # nothing was built or launched


# --- Flink ----------------------------------------------------------------------------------
def test_compose_cluster_wires_job_server_taskmanager_and_worker_pool():
    (compose,) = yaml_documents(DEPLOY / "flink" / "docker-compose.yaml")
    services = compose["services"]
    assert set(services) == {"jobmanager", "taskmanager", "beam-job-server", "beam-worker-pool"}

    job_server = services["beam-job-server"]
    flink_version = job_server_flink_version(job_server["image"])
    assert flink_version in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    for name in ("jobmanager", "taskmanager"):
        assert flink_image_version(services[name]["image"]) == flink_version
        assert services[name]["command"] == name
    assert "--flink-master=jobmanager:8081" in job_server["command"]

    pool = services["beam-worker-pool"]
    assert pool["command"] == ["--worker_pool"]
    assert pool["network_mode"] == "service:taskmanager"  # localhost:50000 from the TM
    context = (DEPLOY / "flink" / pool["build"]["context"]).resolve()
    assert context == ROOT and (context / pool["build"]["dockerfile"]).is_file()

    staging = flag_value(job_server["command"], ARTIFACTS_FLAG)
    mounts = {
        name: {v.split(":")[0] for v in services[name]["volumes"] if v.split(":")[1] == staging}
        for name in ("beam-job-server", "taskmanager")
    }
    assert mounts["beam-job-server"] == mounts["taskmanager"] and len(mounts["taskmanager"]) == 1
    assert mounts["taskmanager"] <= set(compose["volumes"])

    tm_conf = yaml.safe_load(services["taskmanager"]["environment"]["FLINK_PROPERTIES"])
    submit = (DEPLOY / "flink" / "submit.sh").read_text()
    default_parallelism = re.search(r"SDK_WORKER_PARALLELISM:-(\d+)", submit).group(1)
    assert tm_conf["taskmanager.numberOfTaskSlots"] == int(default_parallelism)


def test_k8s_manifests_for_the_flink_operator():
    objects = k8s_objects()
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == ["Deployment", "FlinkDeployment", "PersistentVolumeClaim", "Service"]
    by_kind = {o["kind"]: o for o in objects}
    flink, job_server, service, pvc = (
        by_kind["FlinkDeployment"],
        by_kind["Deployment"],
        by_kind["Service"],
        by_kind["PersistentVolumeClaim"],
    )
    assert flink["apiVersion"] == "flink.apache.org/v1beta1"
    assert "job" not in flink["spec"]  # a session cluster: jobs come from the job server

    (server,) = job_server["spec"]["template"]["spec"]["containers"]
    flink_version = job_server_flink_version(server["image"])
    assert flink["spec"]["flinkVersion"] == "v" + flink_version.replace(".", "_")
    assert flink_image_version(flink["spec"]["image"]) == flink_version
    assert f"--flink-master={flink['metadata']['name']}-rest:8081" in server["args"]

    pod = flink["spec"]["taskManager"]["podTemplate"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert set(containers) == {"flink-main-container", "beam-worker-pool"}
    pool = containers["beam-worker-pool"]
    assert pool["args"] == ["--worker_pool"]
    assert [p["containerPort"] for p in pool["ports"]] == [50000]
    assert pool["image"].rsplit(":", 1)[0].endswith("ccprov-sdk")

    # Artifacts staged by the job server are read by the taskmanager at the same path.
    staging = flag_value(server["args"], ARTIFACTS_FLAG)

    def claim_mounted_at(pod_spec, container, path):
        volumes = {v["name"]: v for v in pod_spec["volumes"]}
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path]
        return volumes[mount["name"]]["persistentVolumeClaim"]["claimName"]

    server_claim = claim_mounted_at(job_server["spec"]["template"]["spec"], server, staging)
    tm_claim = claim_mounted_at(pod, containers["flink-main-container"], staging)
    assert server_claim == tm_claim == pvc["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]

    labels = job_server["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    named_ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= set(named_ports)
    assert named_ports["job"] == 8099 and named_ports["artifact"] == 8098


def test_submit_script_flags_build_a_flink_graph_for_the_worker_pool(fake_tools, s3_server):
    """The exact flags deploy/flink/submit.sh passes, plus S3 inputs: graph built, not run."""
    pytest.importorskip("pipeline.assembly")
    from apache_beam.io.filesystems import FileSystems

    from pipeline.assembly import build_pipeline
    from pipeline.plan import plan_run
    from pipeline.sample import SAMPLE_WARC

    bucket = s3_server.create_bucket()
    s3_server.client().upload_file(str(SAMPLE_WARC), bucket, "crawl/sample.warc.gz")
    env, log = fake_tools
    user_args = [f"--input=s3://{bucket}/crawl/*.warc.gz", f"--output=s3://{bucket}/out"]
    user_args += s3_server.beam_args()
    script = DEPLOY / "flink" / "submit.sh"
    done = subprocess.run(
        ["bash", str(script), *user_args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    ((tool, command, *argv),) = recorded(log)
    assert (tool, command) == ("ccprov", "run")

    options = PipelineOptions(argv)
    previous = FileSystems._pipeline_options
    FileSystems.set_options(options)
    try:
        plan = plan_run(options)
        pipeline = beam.Pipeline(options=options)
        # Beam removes a Pipeline's temporary folder only in run(); this one is never run.
        shutil.rmtree(pipeline.local_tempdir)
        build_pipeline(pipeline, options, plan)
    finally:
        FileSystems.set_options(previous)
    assert type(pipeline.runner).__name__ == "FlinkRunner"
    assert plan.inputs == [f"s3://{bucket}/crawl/sample.warc.gz"]

    env_proto = pipeline.runner.default_environment(options).to_runner_api(None)
    assert env_proto.urn == "beam:env:external:v1"
    from apache_beam.portability.api import beam_runner_api_pb2

    payload = beam_runner_api_pb2.ExternalPayload.FromString(env_proto.payload)
    assert payload.endpoint.url == "localhost:50000"
    proto = pipeline.to_runner_api(default_environment=pipeline.runner.default_environment(options))
    runs_code = [t for t in proto.components.transforms.values() if t.environment_id]
    assert runs_code
    assert {proto.components.environments[t.environment_id].urn for t in runs_code} == {
        "beam:env:external:v1"
    }


def test_submit_script_finds_the_checkouts_ccprov_when_none_is_on_the_path(tmp_path):
    """`make install` puts ccprov in .venv/bin only; submit.sh called bare `ccprov` and
    failed with `exec: ccprov: not found`. Here it reaches this checkout's ccprov, which
    checks the job endpoint (nothing listens on port 9) and says so in one line."""
    if not (ROOT / ".venv" / "bin" / "ccprov").exists():
        pytest.skip("no .venv here (make install creates it)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JOB_ENDPOINT": "127.0.0.1:9"}
    done = subprocess.run(
        ["bash", str(DEPLOY / "flink" / "submit.sh"), "--output", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("ccprov: error: --job_endpoint 127.0.0.1:9: no job server"), line


def _job_on_a_job_service(tmp_path, act) -> tuple[int, list[str], int]:
    """(exit status, stderr lines, port) of `ccprov run` on a real Beam job service in
    another process, after `act(run, service)` once the first progress line is out."""
    from pipeline.sample.synth import write_synthetic_warc
    from tests.s3_fixture import free_ports

    if not (ROOT / ".venv" / "bin" / "ccprov").exists():
        pytest.skip("no .venv here (make install creates it)")
    warc = tmp_path / "in.warc.gz"
    write_synthetic_warc(warc, 3000, seed=3)
    (port,) = free_ports(1)
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # Beam's staging files stay in the test's
    service = subprocess.Popen(
        [sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main"]
        + ["--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for_port(port)
        run = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "ccprov"), "run", "--runner", "PortableRunner"]
            + ["--job_endpoint", f"127.0.0.1:{port}", "--environment_type", "LOOPBACK"]
            + ["--input", str(warc), "--output", str(tmp_path / "out")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        lines = []
        for line in run.stderr:  # the first progress line: the job is running
            lines.append(line.rstrip("\n"))
            if "records processed" in line:
                break
        act(run, service)
        lines += run.stderr.read().splitlines()
        return run.wait(timeout=120), lines, port
    finally:
        service.kill()
        service.wait()


def test_ctrl_c_says_that_a_submitted_job_goes_on_and_how_to_stop_it(tmp_path):
    """Ctrl-C while ccprov waits for a job it submitted to a job service (Flink's way in)
    printed only `ccprov: interrupted`, as if the job had stopped; it goes on, and writes
    the output. Here a real Beam job service runs the job in another process."""
    code, lines, port = _job_on_a_job_service(
        tmp_path, lambda run, service: run.send_signal(signal.SIGINT)
    )
    assert code == 130, lines
    note = next((line for line in lines if "still be running" in line), str(lines))
    assert re.fullmatch(
        rf"ccprov: the job \S+ may still be running on the job service at 127.0.0.1:{port}: "
        r"cancel it there .*",
        note,
    ), note
    assert lines[-1] == "ccprov: interrupted", lines
    assert not any("Traceback" in line for line in lines), lines


def test_a_submitted_job_that_fails_is_one_line(tmp_path):
    """A job that failed on its runner was Beam's traceback (with the service's logs). Here
    the job service dies under a running job."""
    code, lines, _ = _job_on_a_job_service(tmp_path, lambda run, service: service.kill())
    assert code == 1, lines
    # (LOOPBACK runs the SDK worker in ccprov's process: its threads log their own errors)
    said = [line for line in lines if "ccprov: error: the job failed on PortableRunner: " in line]
    assert len(said) == 1 and len(said[0]) < 700, lines
    assert not any("pipeline/cli.py" in line for line in lines), lines  # no traceback of ours


def _wait_for_port(port: int, timeout_s: float = 60.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_note_for_a_dataflow_job_names_the_command_that_cancels_it():
    """DataflowPipelineResult needs Google's client, not installed here; the note only reads
    its job_id()."""
    from pipeline.cli import remote_job_note

    class DataflowResult:
        def job_id(self):
            return "2026-12-07_01_02_03-123"

    options = PipelineOptions(["--region", "europe-west4", "--project", "p1"])
    assert remote_job_note(DataflowResult(), "DataflowRunner", options) == (
        "the Dataflow job 2026-12-07_01_02_03-123 is still running: cancel it with `gcloud "
        "dataflow jobs cancel 2026-12-07_01_02_03-123 --region europe-west4 --project p1`"
    )
    assert remote_job_note(DataflowResult(), "DataflowRunner", PipelineOptions([])) == (
        "the Dataflow job 2026-12-07_01_02_03-123 is still running: cancel it with "
        "`gcloud dataflow jobs cancel 2026-12-07_01_02_03-123`"
    )
    assert remote_job_note(DataflowResult(), "FnApiRunner", options) is None
    assert remote_job_note(None, "DataflowRunner", options) is None  # never submitted
    embedded = PipelineOptions(["--job_endpoint", "embed"])
    assert remote_job_note(DataflowResult(), "PortableRunner", embedded) is None
