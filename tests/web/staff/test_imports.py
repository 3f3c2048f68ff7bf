"""The admin's import page: upload, map the columns, preview, import; who may; bad input."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from assetmap.interop import uploads
from assetmap.interop.formats import MAX_SOURCE_BYTES
from assetmap.models import ColumnMapping, Group, ListingSource
from assetmap.web.context import _CONFIG
from tests.factories import listing
from tests.web.staff.helpers import XSS, client_for, html

COUNCIL = Path(__file__).parents[2] / "data" / "interop" / "council-groups.csv"


def _count(database, model, *where) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(client, data: bytes, name: str = "council-groups.csv", **fields):
    form = {"source": "camden", "default_category": "", **fields}
    form["file"] = (io.BytesIO(data), name)
    form.setdefault("csrf_token", client.token)
    return client.post("/admin/imports", data=form, content_type="multipart/form-data")


def _stored(app) -> list[Path]:
    folder = uploads.uploads_folder(app.extensions[_CONFIG].instance_path)
    return sorted(folder.glob("*.data")) if folder.is_dir() else []


def _selected(page: str) -> dict[str, str]:
    """The mapping page's choice for each column: {header: field or ""}."""
    rows = re.findall(
        r'id="header-\d+">(.*?)</th>.*?<select[^>]*name="(column-\d+)">(.*?)</select>',
        page,
        re.S,
    )
    out = {}
    for header, _name, options in rows:
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        out[header] = chosen.group(1) if chosen else ""
    return out


def _map_form(client, page: str, **extra) -> dict[str, str]:
    names = re.findall(r'<select[^>]*name="(column-\d+)">(.*?)</select>', page, re.S)
    form = {"csrf_token": client.token, **extra}
    for name, options in names:
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        form[name] = chosen.group(1) if chosen else ""
    return form


@pytest.fixture(autouse=True)
def _no_uploads(app):
    """The instance folder lasts the session: each test starts and ends with no uploads."""
    import shutil

    folder = uploads.uploads_folder(app.extensions[_CONFIG].instance_path)
    shutil.rmtree(folder, ignore_errors=True)
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def admin(app, quiet_world):
    return client_for(app, "admin")


def test_the_four_steps_import_a_council_spreadsheet(app, database, admin) -> None:
    before = _count(database, Group)
    # Step 1: the page, linked from the admin's navigation.
    first = admin.get("/admin/imports")
    assert first.status_code == 200
    assert "Step 1 of 4" in html(first) and 'href="/admin/imports"' in html(first)
    sent = _upload(admin, COUNCIL.read_bytes())
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/admin/imports/map")
    (kept,) = _stored(app)
    assert kept.read_bytes() == COUNCIL.read_bytes()
    assert kept.stem not in sent.headers["Location"]  # the token is in no address
    # Step 2: each odd header is matched to its field; the empty trailing column is not shown.
    mapping = admin.get("/admin/imports/map")
    page = html(mapping)
    assert mapping.status_code == 200 and "Step 2 of 4" in page
    assert "Tuesdays, Mon &amp; Wed, Sat" in page  # a few of each column's values
    assert _selected(page) == {
        "Group name": "name",
        "Org": "organisation",
        "Description": "description",
        "Category": "categories",
        "Day(s)": "schedule.day",
        "Time": "schedule.time",
        "Venue": "venue.name",
        "Address": "venue.address",
        "Post Code": "venue.postcode",
        "Contact tel.": "contact.phone",
        "EMAIL": "contact.email",
        "Wheelchair access": "accessibility.wheelchair_accessible",
        "Free?": "cost.free",
        "Cost": "cost.amount_gbp",
        "Ref": "id",
    }
    saved = admin.post(
        "/admin/imports/map",
        data=_map_form(admin, page, save="yes", mapping_name="Camden monthly sheet"),
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/preview")
    with database.session() as session:
        stored = session.scalar(select(ColumnMapping))
        assert stored.name == "Camden monthly sheet" and stored.columns["Post Code"] == (
            "venue.postcode"
        )
    # Step 3: what each row would do; nothing is written yet.
    preview = admin.get("/admin/imports/preview")
    page = html(preview)
    assert preview.status_code == 200 and "Step 3 of 4" in page
    assert page.count("New listing") == 4
    assert "4 new, 0 updated, 0 unchanged" in page
    assert "row 5" in page and "Grow Together" in page and "Sat 10:30-12:30" in page
    assert 'id="import"' in page
    assert _count(database, Group) == before
    # Step 4: import, and the summary.
    done = admin.post("/admin/imports/import", data={"csrf_token": admin.token})
    assert done.status_code == 303
    summary = admin.get(done.headers["Location"])
    assert "4 new listings" in html(summary) and "Step 4 of 4" in html(summary)
    assert _count(database, Group) == before + 4
    assert _count(database, ListingSource, ListingSource.source == "camden") == 4
    assert _stored(app) == []  # the imported file is deleted
    # The same file again, with the saved mapping: every row unchanged.
    _upload(admin, COUNCIL.read_bytes())
    with database.session() as session:
        mapping_id = session.scalar(select(ColumnMapping.id))
    page = html(admin.get(f"/admin/imports/map?mapping={mapping_id}"))
    assert "as the mapping Camden monthly sheet has them" in page
    admin.post("/admin/imports/map", data=_map_form(admin, page))
    assert html(admin.get("/admin/imports/preview")).count(">Unchanged<") == 4


def test_a_bad_row_shows_its_problems_beside_the_other_rows(database, admin) -> None:
    text = COUNCIL.read_text(encoding="utf-8-sig")
    text = text.replace("NW1 7AA", "NW1 7A").replace("Computers", "Knitting")
    _upload(admin, text.encode())
    page = html(admin.get("/admin/imports/map"))
    admin.post("/admin/imports/map", data=_map_form(admin, page))
    preview = admin.get("/admin/imports/preview")
    page = html(preview)
    assert "2 problems found" in page
    grow = re.search(r'id="row-3">(.*?)</tr>', page, re.S).group(1)
    assert "Cannot be imported" in grow
    assert "<strong>Post Code</strong>: must be a UK postcode like NW5 1AA" in grow
    digital = re.search(r'id="row-4">(.*?)</tr>', page, re.S).group(1)
    assert "<strong>Category</strong>: &#39;Knitting&#39; is not one of" in digital
    assert page.count("New listing") == 2  # the good rows still say what would happen
    assert 'id="import"' not in page
    refused = admin.post("/admin/imports/import", data={"csrf_token": admin.token})
    assert refused.status_code == 400
    assert "row 5: Post Code: must be a UK postcode" in html(refused)
    assert _count(database, ListingSource) == 0


def test_a_default_category_and_gaps_shown_as_not_known(database, admin) -> None:
    text = "Name,Category,Postcode\r\nKnitting circle,knitting,NW5 1AA\r\n"
    _upload(admin, text.encode(), name="circle.csv", default_category="creative")
    page = html(admin.get("/admin/imports/map"))
    admin.post("/admin/imports/map", data=_map_form(admin, page))
    page = html(admin.get("/admin/imports/preview"))
    assert "New listing" in page
    assert "1 row gives no days or times: the schedule is not known" in page
    when = re.search(r'id="row-1">(.*?)</tr>', page, re.S).group(1)
    assert "Not known" in when


def test_a_json_file_goes_straight_to_the_preview(database, admin) -> None:
    data = json.dumps([listing("Chess Club", at="NW5 1AA")]).encode()
    sent = _upload(admin, data, name="ours.json", source="export")
    assert sent.headers["Location"].endswith("/admin/imports/preview")
    page = html(admin.get("/admin/imports/preview"))
    assert "Chess Club" in page and "Change which column is which" not in page
    admin.post("/admin/imports/import", data={"csrf_token": admin.token})
    assert _count(database, Group, Group.name == "Chess Club") == 1


def test_an_excel_workbook_through_the_page(database, admin) -> None:
    book = Workbook()
    book.active.append(["Name", "Category", "Post code", "Day", "Start"])
    book.active.append(["Chess Club", "Learning", "NW5 1AA", "Fri", "6pm"])
    out = io.BytesIO()
    book.save(out)
    _upload(admin, out.getvalue(), name="groups.xlsx")
    page = html(admin.get("/admin/imports/map"))
    assert _selected(page)["Start"] == "schedule.start"
    admin.post("/admin/imports/map", data=_map_form(admin, page))
    assert "Fri 18:00" in html(admin.get("/admin/imports/preview"))


# ---- who may, and bad input -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["organiser", "link_worker", "community_builder"])
def test_only_admins_may_import(app, quiet_world, role: str) -> None:
    client = client_for(app, role)
    assert client.get("/admin/imports").status_code == 403
    assert _upload(client, COUNCIL.read_bytes()).status_code == 403
    assert client.get("/admin/imports/preview").status_code == 403
    assert _stored(app) == []


def test_anyone_signed_out_is_sent_to_sign_in(app, quiet_world) -> None:
    client = client_for(app, "anonymous")
    response = client.get("/admin/imports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_post_needs_the_csrf_token(app, database, admin) -> None:
    assert _upload(admin, COUNCIL.read_bytes(), csrf_token="").status_code == 400
    assert _stored(app) == []
    _upload(admin, COUNCIL.read_bytes())
    for path in ("/admin/imports/map", "/admin/imports/import", "/admin/imports/mappings/1/delete"):
        assert admin.post(path, data={"column-0": "name"}).status_code == 400, path
    assert _count(database, Group) == 2  # only the world's


def test_a_file_over_the_limit_is_a_form_error(app, admin) -> None:
    data = b"Name,Category\r\n" + b"x" * MAX_SOURCE_BYTES
    response = _upload(admin, data)
    assert response.status_code == 413
    assert f"over {MAX_SOURCE_BYTES // (1024 * 1024)} MB" in html(response)
    assert _stored(app) == []


@pytest.mark.parametrize(
    ("name", "data", "fields", "field", "said"),
    [
        ("notes.txt", b"hello", {}, "file", "assetmap reads .json"),
        ("", b"", {}, "file", "choose a file to import"),
        ("a.csv", b"Name\r\nA\r\n", {"source": " "}, "source", "give the source a name"),
        ("a.csv", b"Name\r\nA\r\n", {"default_category": "knitting"}, "default_category",
         "&#39;knitting&#39; is not a category"),
        ("a.csv", b"\r\n\r\n", {}, "file", "the file has no header row"),
        ("a.xlsx", b"not a workbook", {}, "file", "not an Excel workbook"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, {}, "file", "nested too deeply"),
        ("bad.json", b'[{"name": "caf\xe9"}]', {}, "file", "not UTF-8 text (byte 14)"),
    ],
)  # fmt: skip
def test_bad_uploads_are_form_errors(admin, name, data, fields, field, said) -> None:
    response = _upload(admin, data, name=name, **fields)
    assert response.status_code == 400
    page = html(response)
    assert said in page and f'href="#{field}"' in page and f'id="{field}-error"' in page


def test_a_step_without_an_upload_starts_again(admin) -> None:
    for path in ("/admin/imports/map", "/admin/imports/preview"):
        response = admin.get(path)
        assert response.status_code == 404
        assert "that upload has expired: upload the file again" in html(response)
    assert admin.get("/admin/imports/done").status_code == 302


def test_mapping_mistakes_are_form_errors(database, admin) -> None:
    _upload(admin, COUNCIL.read_bytes())
    page = html(admin.get("/admin/imports/map"))
    form = _map_form(admin, page)
    no_name = admin.post("/admin/imports/map", data={**form, "column-0": ""})
    assert no_name.status_code == 400
    assert "choose the column that holds the group&#39;s name" in html(no_name)
    twice = admin.post("/admin/imports/map", data={**form, "column-1": "name"})
    assert "is already the column" in html(twice)
    made = admin.post("/admin/imports/map", data={**form, "save": "yes", "mapping_name": "A"})
    assert made.status_code == 303
    again = admin.post("/admin/imports/map", data={**form, "save": "yes", "mapping_name": "A"})
    assert again.status_code == 409 and "already a mapping called" in html(again)
    unnamed = admin.post("/admin/imports/map", data={**form, "save": "yes", "mapping_name": ""})
    assert unnamed.status_code == 400 and 'href="#mapping_name"' in html(unnamed)
    unknown = admin.get("/admin/imports/map?mapping=999")
    assert unknown.status_code == 404 and "no saved column mapping" in html(unknown)
    assert _count(database, ColumnMapping) == 1


def test_a_saved_mapping_is_deleted(database, admin) -> None:
    _upload(admin, COUNCIL.read_bytes())
    page = html(admin.get("/admin/imports/map"))
    admin.post("/admin/imports/map", data=_map_form(admin, page, save="yes", mapping_name="Old"))
    with database.session() as session:
        mapping_id = session.scalar(select(ColumnMapping.id))
    assert "Old" in html(admin.get("/admin/imports"))
    gone = admin.post(
        f"/admin/imports/mappings/{mapping_id}/delete", data={"csrf_token": admin.token}
    )
    assert gone.status_code == 303
    assert _count(database, ColumnMapping) == 0
    assert "None yet" in html(admin.get("/admin/imports"))


def test_what_the_file_says_is_escaped(admin) -> None:
    text = f"Name,Category,{XSS}\r\n{XSS},social,1\r\n"
    _upload(admin, text.encode(), name="x.csv", source=XSS, default_category="social")
    page = html(admin.get("/admin/imports/map"))
    assert XSS not in page and "&lt;img" in page
    admin.post("/admin/imports/map", data=_map_form(admin, page))
    preview = html(admin.get("/admin/imports/preview"))
    assert XSS not in preview and "&lt;img" in preview


def test_a_new_upload_replaces_the_last_and_old_ones_are_cleaned_up(app, admin) -> None:
    _upload(admin, COUNCIL.read_bytes())
    (first,) = _stored(app)
    _upload(admin, COUNCIL.read_bytes())
    (second,) = _stored(app)
    assert second != first
    # An upload left for longer than uploads are kept goes at the next upload.
    old = second.parent / ("A" * 32 + ".data")
    old.write_bytes(b"left behind")
    os.utime(old, (0, 0))
    _upload(admin, COUNCIL.read_bytes())
    assert not old.exists() and len(_stored(app)) == 1


def test_an_upload_over_the_apps_body_limit_but_under_the_import_limit_is_taken(app, admin) -> None:
    """The import page takes files up to its own limit, far above the 1 MB every other page
    and the API take."""
    header = b"Name,Category,Postcode,Description\r\n"
    rows = [b"Group %06d,social,NW5 2AA,%s\r\n" % (n, b"y" * 200) for n in range(2)]
    count = (MAX_SOURCE_BYTES - 4096 - len(header)) // len(rows[0])
    data = header + b"".join(rows[0].replace(b"000000", b"%06d" % n) for n in range(count))
    assert MAX_SOURCE_BYTES - 64 * 1024 < len(data) <= MAX_SOURCE_BYTES
    response = _upload(admin, data)
    assert response.status_code == 303
    assert len(_stored(app)) == 1


def test_a_body_over_the_import_limit_is_a_413_before_it_is_read(app, admin) -> None:
    response = admin.post(
        "/admin/imports",
        data=b"x" * 1024,
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(MAX_SOURCE_BYTES + 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "At most 50 MB" in html(response)
    assert _stored(app) == []
