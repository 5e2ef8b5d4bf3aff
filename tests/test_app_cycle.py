"""The event cycle in the app (AppTest): RSVP and check-in, letters, contacts, "add these
organisations", a company's own page (profile, contacts, offers and needs, requests), its
progress reports, owners' due lists and who answered."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

from matchmaker.events.service import add_request
from matchmaker.followup import deals
from matchmaker.store.accounts import get_user
from tests.test_app import open_page, texts, tiny_db  # noqa: F401 - fixture
from tests.test_app_roles import app_db, signed_in  # noqa: F401 - fixture


def test_bulk_status_changes_on_the_events_page(tiny_db):  # noqa: F811
    tiny_db.upsert({"participants": [{"event_id": "E1", "org_id": "C3", "status": "invited"}]})
    at = open_page("events")
    assert "Participants of this event (3)" in texts(at)
    at.multiselect(key="ev_pick_E1").set_value(["C1", "C3"]).run()
    at.selectbox(key="ev_status@en").set_value("no_show").run()
    at.button(key="ev_set_status").click().run()
    assert not at.exception and not at.error
    assert [x.value for x in at.success] == ["2 participants are now no show"]
    statuses = {p["org_id"]: p["status"] for p in tiny_db.rows("participants")}
    assert statuses == {"C1": "no_show", "C2": "attended", "C3": "no_show"}
    assert at.multiselect(key="ev_pick_E1").value == []  # the choice is cleared after the change
    assert at.button(key="ev_set_status").disabled


def test_letters_download_after_building_the_list(tiny_db, monkeypatch):  # noqa: F811
    tiny_db.upsert(
        {
            "contacts": [
                {"contact_id": "K1", "org_id": "C1", "name": "Wang Fang", "primary": True,
                 "email": "wang@harbour.example", "language": "zh"},
            ]
        }
    )  # fmt: skip
    from matchmaker.events import service
    from matchmaker.views import matching

    built = []
    real = matching.letters_zip
    monkeypatch.setattr(matching, "letters_zip", lambda *a: built.append(a) or real(*a))
    at = open_page("events")
    at.slider(key="ev_min_outside").set_value(0.0)
    at.slider(key="ev_min_new").set_value(0.0)
    at.button(key="ev_run").click().run()
    assert not at.exception and not at.error
    at.selectbox(key="ev_letters_lang").set_value("en").run()
    button = at.get("download_button")
    labels = [b.proto.label for b in button]
    assert any(label.startswith("Download ") and "letters" in label for label in labels)
    assert built == []  # the letters are built when the button is clicked, not on each run

    plan = at.session_state["ev_plan"]["plan"]
    data = matching.letters_zip(tiny_db, "E1", plan.invitation.invitees, "en")
    files = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"mailmerge.csv", "mailmerge.xlsx"} <= set(files)
    assert {f"letters/{o}.html" for o in plan.invitation.ids} <= set(files)
    assert service.get_event(tiny_db, "E1")["name"] == "NEV day"


def test_add_these_organisations_and_contacts_on_the_organisations_page(tiny_db):  # noqa: F811
    tiny_db.upsert(
        {"contacts": [{"contact_id": "K1", "org_id": "C1", "name": "Wang Fang", "primary": True}]}
    )
    at = open_page("organisations")
    at.multiselect(key="org_kinds@en").set_value(["company"]).run()
    at.button(key="org_add_these").click().run()
    assert not at.exception and not at.error
    assert [x.value for x in at.success] == ["1 organisations added to E1 as invited"]
    statuses = {p["org_id"]: p["status"] for p in tiny_db.rows("participants")}
    assert statuses == {"C1": "attended", "C2": "attended", "C3": "invited"}  # kept, added
    at.selectbox(key="org_pick").set_value("C1").run()
    contacts = [df.value for df in at.dataframe if "E-mail" in df.value.columns]
    assert contacts and contacts[0]["Name"].tolist() == ["Wang Fang"]


def test_company_edits_its_own_profile_contacts_and_items(app_db):  # noqa: F811
    at = signed_in(app_db, "harbour", "my_org")
    assert not at.exception and not at.error
    assert "Harbour Motors (C1)" in texts(at)
    at.text_area(key="me_description").set_value("Builds electric buses and ferries.")
    at.button(key="me_save_profile").click().run()
    assert app_db.get("organizations", "C1")["description"] == "Builds electric buses and ferries."
    # a contact, with a bad e-mail first
    at.text_input(key="me_c_name").set_value("Wang Fang")
    at.text_input(key="me_c_email").set_value("wang.at.harbour")
    at.button(key="me_save_contact").click().run()
    shown = at.error[0].value.replace("\\", "")  # the message is markdown-escaped
    assert "is not an e-mail address" in shown and not app_db.rows("contacts")
    at.text_input(key="me_c_email").set_value("wang@harbour.example")
    at.checkbox(key="me_c_primary").check()
    at.button(key="me_save_contact").click().run()
    assert not at.error
    (contact,) = app_db.rows("contacts")
    assert (contact["org_id"], contact["name"], contact["primary"]) == ("C1", "Wang Fang", True)
    # a new need, then retired
    at.selectbox(key="me_i_side").set_value("need")
    at.text_input(key="me_i_title").set_value("Fast chargers")
    at.button(key="me_save_item").click().run()
    assert not at.error
    made = [i for i in app_db.rows("items") if i["title"] == "Fast chargers"]
    assert len(made) == 1 and (made[0]["org_id"], made[0]["side"]) == ("C1", "need")
    at.selectbox(key="me_item_pick_C1").set_value(made[0]["item_id"]).run()
    at.button(key="me_retire").click().run()
    assert not [i for i in app_db.rows("items") if i["title"] == "Fast chargers"]
    actions = [r["action"] for r in app_db.audit_rows(actor="harbour")]
    assert {"org.update", "contact.save", "item.save", "item.retire"} <= set(actions)


def test_company_answers_meeting_requests(app_db):  # noqa: F811
    add_request(app_db, "E1", "C2", "C1", "meet")
    add_request(app_db, "E1", "C3", "C1", "avoid")  # a "do not meet" mark is not shown to C1
    at = signed_in(app_db, "harbour", "my_org")
    assert "**Inland Cells** asks to meet you" in texts(at)
    assert "Bay Lithium" not in texts(at)
    at.button(key="me_accept_C2").click().run()
    assert not at.exception and not at.error
    rows = {(r["org_id"], r["other_id"]): r["kind"] for r in app_db.rows("meeting_requests")}
    assert rows[("C1", "C2")] == "meet"  # mutual now: the agenda places it first


def test_company_reports_progress_and_organisers_see_who_answered(app_db):  # noqa: F811
    at = signed_in(app_db, "harbour", "deals")
    at.selectbox(key="deals_pick@en").set_value("D1").run()
    next_step = date.today() + timedelta(days=10)
    at.selectbox(key="deals_report_stage_D1").set_value("in_progress")
    at.date_input(key="deals_report_next_D1").set_value(next_step)
    at.text_area(key="deals_report_note_D1").set_value("Samples approved")
    at.button(key="deals_send_report").click().run()
    assert not at.exception and not at.error
    deal = deals.get_deal(app_db, "D1")
    assert (deal.stage, deal.note, deal.due_date) == ("in_progress", "Samples approved", next_step)
    assert deals.history(app_db, "D1")[-1].actor == "harbour"
    org = signed_in(app_db, "olga", "deals")
    org.selectbox(key="deals_event@en").set_value("E1").run()
    assert "1 of 2 organisations with an open deal answered" in texts(org)
    org.selectbox(key="deals_pick@en").set_value("D1").run()
    org.selectbox(key="deals_owner_D1_3").set_value("olga").run()
    org.button(key="deals_set_owner").click().run()
    assert not org.error and deals.get_deal(app_db, "D1").owner == "olga"
    assert "Due this week, by owner" in texts(org)


def test_a_reload_keeps_the_session_through_a_signed_expiring_cookie(app_db, monkeypatch):  # noqa: F811
    from datetime import datetime

    from app_pages import ui
    from matchmaker.store import accounts as auth

    key = b"k" * 32
    monkeypatch.setattr(ui, "_signing_key", lambda: key)
    monkeypatch.setattr(ui, "base_store", lambda: app_db)
    session = auth.sign_in(app_db, "harbour", "correct horse battery staple")
    token = ui.session_token(session, key)
    back = ui.session_from_token(token, key)
    assert back.user.username == "harbour" and back.expires_at <= session.expires_at
    # forged, expired, other key, garbage: no session
    _user, expiry, stamp, mac = token.split("|")
    assert ui.session_from_token(f"olga|{expiry}|{stamp}|{mac}", key) is None
    assert ui.session_from_token(token, b"x" * 32) is None
    assert ui.session_from_token(token, key, now=datetime(2999, 1, 1)) is None
    assert ui.session_from_token("nonsense", key) is None and ui.session_from_token(None) is None
    # a password reset or disabling the account ends it
    auth.reset_password(app_db, "harbour", "another long password 77", actor="setup")
    assert ui.session_from_token(token, key) is None


def test_accounts_form_starts_empty_after_a_company_account(app_db):  # noqa: F811
    at = signed_in(app_db, "adam", "accounts")
    at.text_input(key="acc_new_name").input("yellow")
    at.text_input(key="acc_new_password").input("correct horse battery staple")
    at.selectbox(key="acc_new_role").select("company")
    at.button(key="acc_create").click().run()
    assert "a company account needs the organisation it belongs to" in at.error[0].value
    assert "--org" not in at.error[0].value
    at.selectbox(key="acc_new_org").select("C2")
    at.button(key="acc_create").click().run()
    assert not at.exception and not at.error
    made = get_user(app_db, "yellow")
    assert (made.org_id, made.role) == ("C2", "company")
    assert at.selectbox(key="acc_new_org").value is None
    assert at.text_input(key="acc_new_name").value == ""


def test_empty_cells_and_facts_never_read_none_or_nan(tiny_db):  # noqa: F811
    from tests.test_app import frame

    deals.add_deal(tiny_db, "C3", "C2", actor="seed", title="Lithium for cells")
    at = open_page("deals")
    at.selectbox(key="deals_pick@en").set_value("D2").run()
    history = frame(at, "From", "To")
    assert history["From"].tolist() == [""] and history["To"].tolist() == ["intent"]
    page = texts(at)
    assert "Event: -" in page and "Owner: nobody" in page
    assert "nan" not in page and "None" not in page and "NaT" not in page
