"""`assetmap add-feed`, `pull-feed` and `feeds`: a feed from a real local server, its health."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assetmap.cli import cli
from assetmap.models import Group, ImportFeed
from tests.factories import listing
from tests.interop.feed_server import feed_server


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", database.config.database_url, *args])

    return invoke


def test_a_feed_is_added_pulled_and_listed_with_its_health(run, database) -> None:
    with feed_server() as server:
        url = server.serve_json(
            "/groups.json",
            [
                listing("Knit and Natter", external_id="k-1", at="NW5 1AA"),
                listing("Men's Shed", external_id="k-2", at="NW5 2AA"),
            ],
        )
        added = run("add-feed", "Council", url, "--every-hours", "6")
        assert added.exit_code == 0, added.output
        assert "added the feed 'Council' (contract, every 6 hours)" in added.stdout
        listed = run("feeds")
        assert "Council: never pulled (not pulled yet)" in listed.stdout
        assert f"{url} · contract · every 6 hours · enabled" in listed.stdout

        pulled = run("pull-feed", "Council")
        assert pulled.exit_code == 0, pulled.output
        assert "pulled 2 listings from 'Council': 2 new, 0 updated, 0 unchanged" in pulled.stdout
        again = run("pull-feed", "Council")
        assert "0 new, 0 updated, 2 unchanged" in again.stdout

        server.serve("/groups.json", "gone", 410)
        failed = run("pull-feed", "Council")
        assert failed.exit_code == 1
        assert "the pull of 'Council' failed; nothing was imported: the server answered 410" in (
            failed.stdout
        )
        listed = run("feeds")
    assert "Council: failing (the last pull failed" in listed.stdout
    assert "last successful pull: 2 seen, 0 new, 0 updated, 2 unchanged" in listed.stdout
    assert "last error: the server answered 410 Gone" in listed.stdout
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Group)) == 2


def test_bad_feeds_are_clear_errors(run, database) -> None:
    refused = run("add-feed", "Local", "file:///etc/passwd")
    assert refused.exit_code != 0 and "must start http:// or https://" in refused.output
    assert "Traceback" not in refused.output
    missing = run("pull-feed", "Nobody's")
    assert missing.exit_code != 0 and 'there is no feed called "Nobody\'s"' in missing.output
    assert run("add-feed", "Often", "https://example.org/a.json", "--every-hours", "0").exit_code
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportFeed)) == 0
    assert "there are no feeds yet" in run("feeds").stdout
