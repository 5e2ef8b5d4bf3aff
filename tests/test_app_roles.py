"""The app signed in as each role (AppTest): a company user cannot reach another
organisation's needs, deals or contact fields on any page; a reviewer cannot write or see
contact details; signed out, nothing but the sign-in page runs.

The tiny workspace of tests/test_app.py plus what only others may see: Inland Cells (C2)
needs "secret separator film", has the website inland.test and a deal with Bay Lithium (C3)
titled "Secret lithium supply". The company user is Harbour Motors (C1).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import registry
from matchmaker.store import accounts as auth
from tests.test_app import APP, TIMEOUT, full_rows, texts, tiny_db  # noqa: F401 - fixture

PW = "correct horse battery staple"
SECRETS = ("secret separator film", "inland.test", "Secret lithium supply", "D2")
COMPANY_PAGES = ("organisations", "my_org", "suggestions", "agenda", "deals")  # checked by hand
EVERY_PAGE = tuple(p.name for p in registry.PAGES)


@pytest.fixture
def app_db(tiny_db):  # noqa: F811 - the fixture imported above
    tiny_db.upsert(
        full_rows(
            {
                "organizations": [
                    {
                        "org_id": "C2", "name": "Inland Cells", "kind": "company",
                        "local": False, "tier": "gazelle", "chains": ("nev",),
                        "region": "Hefei", "website": "inland.test",
                    },
                ],
                "items": [
                    {
                        "item_id": "I9", "org_id": "C2", "side": "need", "type": "product",
                        "title": "secret separator film", "segment": "S_BUS",
                    }
                ],
                "meetings": [
                    {"event_id": "E1", "org_a": "C1", "org_b": "C2", "status": "held"},
                    {"event_id": "E1", "org_a": "C2", "org_b": "C3", "status": "held"},
                ],
                "deals": [
                    {
                        "deal_id": "D2", "org_a": "C2", "org_b": "C3", "stage": "intent",
                        "title": "Secret lithium supply",
                    }
                ],
            }
        )
    )  # fmt: skip
    for name, role, org in (
        ("olga", "organiser", None),
        ("harbour", "company", "C1"),
        ("rita", "reviewer", None),
        ("adam", "admin", None),
    ):
        auth.create_user(tiny_db, name, PW, role, org, actor="setup")
    return tiny_db


def signed_in(store, username: str, page: str | None = None) -> AppTest:
    """The app with ``username`` signed in (a session as the sign-in page makes it)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["app_lang"] = "en"
    at.session_state["auth_session"] = auth.sign_in(store, username, PW)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_signed_out_only_the_sign_in_page_runs(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert "Harbour Motors" not in texts(at) and not at.dataframe


def test_sign_in_form_wrong_then_right_password(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.text_input(key="signin_user").input("harbour")
    at.text_input(key="signin_password").input("wrong password, wrong")
    at.button(key="signin_submit").click().run()
    assert "Sign-in failed" in at.error[0].value
    assert [e.action for e in auth.audit_log(app_db, actor="harbour")] == ["sign_in.failed"]
    at.text_input(key="signin_password").input(PW)
    at.button(key="signin_submit").click().run()
    assert not at.exception and "Signed in as harbour" in texts(at)
    assert auth.audit_log(app_db, actor="harbour")[0].action == "sign_in"
    at.button(key="app_sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_an_expired_session_or_disabled_account_signs_out(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    session = auth.sign_in(app_db, "olga", PW)
    at.session_state["auth_session"] = auth.start_session(
        session.user, now=session.started_at - timedelta(days=2)
    )
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and "expired" in at.warning[0].value
    at = signed_in(app_db, "rita")
    auth.set_active(app_db, "rita", False, actor="setup")
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and "disabled" in at.warning[0].value


@pytest.mark.parametrize("page", COMPANY_PAGES)
def test_company_pages_show_nothing_of_other_organisations(app_db, page):
    at = signed_in(app_db, "harbour", page)
    shown = texts(at) + "\n".join(str(df.value.to_dict()) for df in at.dataframe)
    shown += "\n".join(str(s.options) for s in at.selectbox)
    for secret in SECRETS:
        assert secret not in shown, (page, secret)


def test_company_sees_its_own_profile_suggestions_and_deals(app_db):
    at = signed_in(app_db, "harbour", "organisations")
    assert "Harbour Motors" in texts(at) and "Battery packs for city buses" in str(
        [df.value.to_dict() for df in at.dataframe]
    )
    at = signed_in(app_db, "harbour", "suggestions")
    assert at.selectbox(key="sug_org").options == ["Harbour Motors (C1)"]
    at = signed_in(app_db, "harbour", "deals")
    board = "\n".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "D1" in board and "D2" not in board
    at = signed_in(app_db, "harbour", "agenda")
    assert at.selectbox(key="ag_req_org").options == ["Harbour Motors (C1)"]
    assert not [b for b in at.button if b.key == "ag_run"]
    on_record = at.dataframe[-1].value  # the event's meetings: C1's own only, not C2-C3
    assert on_record.shape[0] == 1 and "Bay Lithium" not in str(on_record.to_dict())
    assert "Inland Cells" in str(on_record.to_dict())


ROLE_PAGES = {
    "olga": set(EVERY_PAGE) - {"accounts"},
    "harbour": set(COMPANY_PAGES),
    "rita": {"overview", "reports", "deals"},
    "adam": set(EVERY_PAGE),
}


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
def test_each_role_navigates_only_to_its_pages(app_db, username):
    at = signed_in(app_db, username)
    for page in sorted(ROLE_PAGES[username]):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (username, page, at.exception)
    for page in sorted(set(EVERY_PAGE) - ROLE_PAGES[username]):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")


@pytest.mark.parametrize("page", ["overview", "reports", "deals"])
def test_reviewer_reads_without_contacts_or_change_controls(app_db, page):
    at = signed_in(app_db, "rita", page)
    shown = texts(at) + "\n".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "inland.test" not in shown
    keys = {b.key for b in at.button}
    assert not keys & {"deals_advance", "deals_drop", "deals_set_due", "overview_demo"}
    assert not [f for f in at.get("form")]  # no form: nothing to submit


def test_admin_manages_accounts(app_db):
    at = signed_in(app_db, "adam", "accounts")
    listed = at.dataframe[0].value
    assert sorted(listed.iloc[:, 0]) == ["adam", "harbour", "olga", "rita"]
    at.text_input(key="acc_new_name").input("nina")
    at.text_input(key="acc_new_password").input(PW)
    at.selectbox(key="acc_new_role").select("reviewer")
    at.button(key="acc_create").click().run()
    assert not at.exception and auth.get_user(app_db, "nina").role == "reviewer"
    at.selectbox(key="acc_pick").select("nina").run()
    at.button(key="acc_toggle").click().run()
    assert auth.get_user(app_db, "nina").active is False
    assert [e.action for e in auth.audit_log(app_db, action="user.")][:2] == [
        "user.disable",
        "user.add",
    ]


def test_user_text_is_never_rendered_as_html():
    from app_pages import ui
    from tests.test_app import ROOT

    sources = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    for path in sources:
        code = path.read_text(encoding="utf-8")
        for unsafe in ("unsafe_allow_html", "st.html", "components.v1", "st.components"):
            assert unsafe not in code, (path.name, unsafe)
    shown = ui.plain("<img src=x onerror=alert(1)> [link](http://x.test) **bold**")
    assert "\\<img" in shown and "\\[link\\]" in shown and "\\*\\*bold" in shown
    assert shown.replace("\\", "") == "<img src=x onerror=alert(1)> [link](http://x.test) **bold**"
