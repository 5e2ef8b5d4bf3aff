"""The app's pages, in one place: adding a page is one line here plus its file and labels.

Each :class:`Page` names its file (``app_pages/<name>.py``), the label key of its title, its
icon, its navigation section and the roles that may open it. ``app.py`` builds the navigation
from :data:`PAGES`; the tests walk the same list. The core enforces the same rules whatever a
page does (see :mod:`matchmaker.store.access`).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = frozenset({"organiser", "admin", "reviewer", "company"})
STAFF = frozenset({"organiser", "admin"})


@dataclass(frozen=True)
class Page:
    name: str  # the file app_pages/<name>.py and the URL path
    title: str  # label key of the title (matchmaker.views.i18n)
    icon: str
    section: str  # label key of the navigation section
    roles: frozenset = STAFF

    @property
    def path(self) -> str:
        return f"app_pages/{self.name}.py"


PAGES: tuple[Page, ...] = (
    Page("overview", "nav.overview", ":material/dashboard:", "nav.section.workspace",
         STAFF | {"reviewer"}),
    Page("organisations", "nav.organisations", ":material/apartment:", "nav.section.workspace",
         STAFF | {"company"}),
    Page("my_org", "nav.my_org", ":material/badge:", "nav.section.workspace",
         STAFF | {"company"}),
    Page("chain", "nav.chain", ":material/account_tree:", "nav.section.workspace"),
    Page("import_export", "nav.import", ":material/upload_file:", "nav.section.workspace"),
    Page("suggestions", "nav.suggestions", ":material/join_inner:", "nav.section.matching",
         STAFF | {"company"}),
    Page("events", "nav.events", ":material/event:", "nav.section.matching"),
    Page("agenda", "nav.agenda", ":material/table_restaurant:", "nav.section.matching",
         STAFF | {"company"}),
    Page("deals", "nav.deals", ":material/handshake:", "nav.section.follow_up", ALL),
    Page("reports", "nav.reports", ":material/monitoring:", "nav.section.follow_up",
         STAFF | {"reviewer"}),
    Page("accounts", "nav.accounts", ":material/manage_accounts:", "nav.section.admin",
         frozenset({"admin"})),
)  # fmt: skip

SIGN_IN = Page("signin", "nav.signin", ":material/login:", "", ALL)
"""The only page of a signed-out session."""


def pages_for(role: str) -> list[Page]:
    """The pages ``role`` may open, in navigation order."""
    return [p for p in PAGES if role in p.roles]
