"""The `assetmap` command: each subcommand works, explains itself, and fails in one clear line."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.models import Group, Postcode
from tests.factories import listing

COMMANDS = [
    "init-db",
    "import-postcodes",
    "import-areas",
    "import-area-people",
    "import-groups",
    "export-groups",
    "seed",
    "serve",
    "create-user",
    "create-token",
    "send-email",
]


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def count(database, model):
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_init_db_is_repeatable(run):
    for _ in range(2):
        result = run("init-db")
        assert result.exit_code == 0, result.output
        assert "database ready" in result.output


def test_import_postcodes_reads_our_csv_and_onspd_columns(run, database, tmp_path):
    ours = tmp_path / "ours.csv"
    ours.write_text("postcode,latitude,longitude\nnw51aa,51.5505,-0.141\nNW5 2AA,51.5485,-0.1412\n")
    onspd = tmp_path / "onspd.csv"
    onspd.write_text(
        "pcd,pcd2,pcds,dointr,doterm,lat,long\n"
        '"NW5 1AA","NW5  1AA","NW5 1AA",198001,,51.5506,-0.1411\n'
        '"ZE2 9XX","ZE2  9XX","ZE2 9XX",198001,200012,99.999999,0.000000\n'
    )
    assert "imported 2 postcodes" in run("import-postcodes", str(ours)).output
    result = run("import-postcodes", str(onspd))
    assert result.exit_code == 0, result.output
    assert "imported 1 postcodes, 1 terminated skipped" in result.output
    with database.session() as session:
        updated = session.get(Postcode, "NW5 1AA")
        assert (updated.lat, updated.lon) == (51.5506, -0.1411)
    assert count(database, Postcode) == 2


def test_a_bad_postcode_row_writes_nothing(run, database, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("postcode,latitude,longitude\nNW5 1AA,51.55,-0.14\nnonsense,51.5,-0.1\n")
    result = run("import-postcodes", str(path))
    assert result.exit_code == 1
    assert "bad.csv line 3: 'nonsense' is not a UK postcode" in result.output
    assert "Traceback" not in result.output
    assert count(database, Postcode) == 0


def test_a_csv_without_the_columns_is_explained(run, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("code,x,y\nNW5 1AA,1,2\n")
    result = run("import-postcodes", str(path))
    assert result.exit_code == 1
    assert "no postcode column" in result.output


def test_import_and_export_groups(run, database, tmp_json, tmp_path):
    path = tmp_json([listing("Men's Shed", external_id="s"), listing("Choir", external_id="c")])
    result = run("import-groups", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 2 groups: 2 new, 0 updated" in result.output
    assert "0 new, 2 updated" in run("import-groups", str(path)).output

    out = tmp_path / "export.json"
    assert run("export-groups", "-o", str(out)).exit_code == 0
    exported = json.loads(out.read_text())
    assert [item["name"] for item in exported] == ["Men's Shed", "Choir"]
    to_stdout = run("export-groups")
    assert json.loads(to_stdout.stdout) == exported


def test_an_invalid_import_exits_nonzero_and_writes_nothing(run, database, tmp_json):
    path = tmp_json([listing("Good"), listing("Bad", capacity={"total_places": "lots"})] * 1)
    result = run("import-groups", str(path))
    assert result.exit_code == 1
    assert "record 2: capacity.total_places: must be a whole number ≥ 0" in result.output
    assert "nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert count(database, Group) == 0


def test_an_import_with_ten_thousand_interests_is_refused_naming_the_field(run, database, tmp_json):
    path = tmp_json([listing("Crafts", interests=[f"craft {i}" for i in range(10_000)])])
    result = run("import-groups", str(path))
    assert result.exit_code == 1
    assert "record 1: interests: must have at most 50 entries" in result.output
    assert "Traceback" not in result.output
    assert count(database, Group) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "broken.json: the file is not JSON: Expecting property name"),
        ('{"name": "not a list"}', "the file must hold a JSON list of listings"),
    ],
)
def test_unreadable_import_files_are_explained(run, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)
    result = run("import-groups", str(path))
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize("command", ["import-groups", "import-source"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the file is nested too deeply to be a directory"),
        (b'[{"name": "caf\xe9"}]', "the file is not UTF-8 text (byte 14)"),
    ],
    ids=["nested 100,000 deep", "not UTF-8"],
)
def test_a_file_that_cannot_be_read_is_one_line_naming_it(
    run, database, tmp_path, command, content, message
):
    """Both were raw tracebacks from import-groups (RecursionError, UnicodeDecodeError)."""
    path = tmp_path / "listings.json"
    path.write_bytes(content)
    result = run(command, str(path))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {path}: {message}"
    assert count(database, Group) == 0


def test_a_missing_file_is_a_usage_error(run):
    result = run("import-groups", "/nowhere/listings.json")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_unreachable_database_is_one_line():
    result = CliRunner().invoke(
        cli, ["--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none", "init-db"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: database error:")
    assert "Traceback" not in result.output


def test_an_unsupported_database_is_explained():
    result = CliRunner().invoke(cli, ["--database-url", "mysql://x/y", "init-db"])
    assert result.exit_code == 1
    assert "unsupported database" in result.output


def test_seed_loads_the_demo_once(run, database):
    result = run("seed", "--if-empty")
    assert result.exit_code == 0, result.output
    loaded = count(database, Group)
    assert loaded >= 200
    # Verification dates follow the calendar, so the demo keeps its mix whenever it is loaded.
    freshness = {item["freshness"] for item in json.loads(run("export-groups").stdout)}
    assert freshness == {"fresh", "due", "stale"}
    again = run("seed", "--if-empty")
    assert "not seeding" in again.output
    assert count(database, Group) == loaded


@pytest.mark.only_backend("spatialite")
def test_serve_answers_http(database, tmp_path):
    """`assetmap serve` (what `make run` ends with) serves the API over real HTTP."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assetmap.cli",
            "--database-url",
            database.config.database_url,
            "serve",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "ASSETMAP_INSTANCE_PATH": str(tmp_path)},
    )
    try:
        # gunicorn's master, then each worker, import the app: slow on a loaded machine.
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/groups") as answer:
                    body = json.loads(answer.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert body["type"] == "FeatureCollection"
    finally:
        server.terminate()
        server.wait(timeout=90)  # a graceful stop: workers finish, then the master
