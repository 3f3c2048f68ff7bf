"""The case pages: who sees them, opening a case (also from /match), editing, escaping."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from sqlalchemy import func, select

from assetmap.models import Case, CaseAccess, CaseAction
from tests.web.cases.conftest import token_from
from tests.web.manage.helpers import form_fields, sign_in

SCRIPT = "<script>alert(1)</script>"
PERSON = [("postcode", "NW5 1AA"), ("mode", "walk"), ("minutes", "30")]


def test_the_team_sees_its_cases_and_the_case_page(client, world, database) -> None:
    sign_in(client, world.teammate)
    listed = client.get("/cases")
    assert listed.status_code == 200
    assert "NS-0042" in listed.get_data(as_text=True)
    page = client.get(f"/cases/{world.case_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for shown in ("J.S.", "phone after 2pm", "walking frame", "lost her husband"):
        assert shown in html
    assert "Personal data: seen only by your team" in html
    assert f'href="/cases/{world.case_id}/wellbeing"' in html
    assert 'aria-current="page">Cases</a>' in html
    with database.session() as session:
        opened = session.scalars(
            select(CaseAccess).where(CaseAccess.action == CaseAction.OPENED)
        ).all()
    assert [(a.case_id, a.user_id) for a in opened] == [(world.case_id, world.teammate)]


def test_nobody_else_sees_a_case(client, world) -> None:
    paths = ["/cases", "/cases/new", f"/cases/{world.case_id}", f"/cases/{world.case_id}/edit"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for who in (world.organiser, world.builder):
        sign_in(client, who)
        for path in paths:
            assert client.get(path).status_code in (403, 404), (who, path)
        assert "Cases</a>" not in client.get("/").get_data(as_text=True)
    sign_in(client, world.other_team)
    assert client.get(f"/cases/{world.case_id}").status_code == 404
    assert client.get(f"/cases/{world.case_id}/edit").status_code == 404
    assert "NS-0042" not in client.get("/cases").get_data(as_text=True)
    sign_in(client, world.admin)
    assert client.get(f"/cases/{world.case_id}").status_code == 200


def test_an_empty_list_says_what_a_case_is(client, world) -> None:
    sign_in(client, world.other_team)
    html = client.get("/cases").get_data(as_text=True)
    assert "A case is one person you support" in html


def test_the_new_case_form_asks_for_no_names(worker) -> None:
    html = worker.get("/cases/new").get_data(as_text=True)
    assert "Personal data: seen only by your team" in html
    assert "name, date of birth or NHS number" in html
    fields = form_fields(html, "case-form")
    for forbidden in ("name", "date_of_birth", "dob", "nhs_number"):
        assert forbidden not in fields


def test_opening_a_case_from_the_match_keeps_profile_and_shortlist(worker, world, database) -> None:
    match = worker.get("/match?" + urlencode(PERSON))
    html = match.get_data(as_text=True)
    carried = form_fields(html, "open-case-form")
    assert json.loads(carried["profile"])["location"] == {"postcode": "NW5 1AA"}
    assert carried.getlist("shortlist")
    # The context alone: the form comes back filled in, nothing is written.
    shown = worker.post("/cases/new", data=carried)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert 'value="NW5 1AA"' in page and "Gospel Oak Walkers" in page
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    fields = form_fields(page, "case-form")
    fields["reference"] = "NS-0100"
    fields["action"] = "open"
    made = worker.post("/cases/new", data=fields)
    assert made.status_code == 302
    location = made.headers["Location"]
    assert "NW5" not in location and "NS-0100" not in location
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.reference == "NS-0100")).one()
        assert case.postcode == "NW5 1AA"
        assert case.profile["location"] == {"postcode": "NW5 1AA"}
        assert case.profile["mobility"]["max_travel_minutes"] == 30
        assert set(case.shortlist) == {int(v) for v in carried.getlist("shortlist")}
    assert location.endswith(f"/cases/{case.id}")
    assert "Case NS-0100 opened" in worker.get(location).get_data(as_text=True)


def test_the_plan_offers_to_open_a_case(worker, world) -> None:
    query = urlencode([*PERSON, ("choose", str(world.shed))])
    html = worker.get(f"/match/plan?{query}").get_data(as_text=True)
    carried = form_fields(html, "open-case-form")
    assert carried.getlist("shortlist") == [str(world.shed)]
    assert f'id="refer-form-{world.shed}"' in html


def test_a_damaged_profile_is_refused_on_the_form(worker, world, database) -> None:
    token = token_from(worker.get("/cases/new").get_data(as_text=True))
    bad = worker.post(
        "/cases/new",
        data={"csrf_token": token, "profile": "{not json", "reference": "X1", "action": "open"},
    )
    assert bad.status_code == 400
    assert "damaged" in bad.get_data(as_text=True)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_deeply_nested_profile_is_refused_on_the_form(worker, world, database) -> None:
    """10,000 levels fit the form's 20,000 characters and made the JSON parser recurse out."""
    token = token_from(worker.get("/cases/new").get_data(as_text=True))
    bad = worker.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "profile": "[" * 10_000 + "]" * 10_000,
            "reference": "X1",
            "action": "open",
        },
    )
    assert bad.status_code == 400
    assert "damaged" in bad.get_data(as_text=True)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_form_errors_are_shown_and_nothing_is_written(worker, world, database) -> None:
    token = token_from(worker.get("/cases/new").get_data(as_text=True))
    for data, said in (
        ({"reference": ""}, "Give the scheme"),
        ({"reference": "943 476 5919"}, "looks like an NHS number"),
        ({"reference": "NS-0042"}, "already has a case"),
        ({"reference": "NS-1", "postcode": "nowhere"}, "full UK postcode"),
    ):
        response = worker.post("/cases/new", data={"csrf_token": token, "action": "open", **data})
        assert response.status_code == 400, data
        assert said in response.get_data(as_text=True)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_editing_a_case(worker, world, database) -> None:
    html = worker.get(f"/cases/{world.case_id}/edit").get_data(as_text=True)
    fields = form_fields(html, "case-form")
    assert fields["reference"] == "NS-0042"
    fields["notes"] = "prefers mornings"
    saved = worker.post(f"/cases/{world.case_id}/edit", data=fields)
    assert saved.status_code == 302
    with database.session() as session:
        case = session.get(Case, world.case_id)
        assert case.notes == "prefers mornings"
        assert len(case.shortlist) == 3


def test_script_in_a_reference_or_notes_is_escaped(worker, world) -> None:
    token = token_from(worker.get("/cases/new").get_data(as_text=True))
    made = worker.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "action": "open",
            "reference": "<script>x</script>",
            "notes": SCRIPT,
            "contact_preference": SCRIPT,
        },
    )
    assert made.status_code == 302
    for path in (made.headers["Location"], "/cases"):
        html = worker.get(path).get_data(as_text=True)
        assert "<script>x</script>" not in html and SCRIPT not in html
        assert "&lt;script&gt;" in html
