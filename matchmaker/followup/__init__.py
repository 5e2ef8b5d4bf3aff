"""After the event: deals and their history, outcome reports, organisation edits.

* :mod:`~matchmaker.followup.deals` -- the deal pipeline (intent -> in progress -> signed),
  enforced transitions, immutable history, due dates;
* :mod:`~matchmaker.followup.report` -- the funnel contract and its breakdowns;
* :mod:`~matchmaker.followup.orgs` -- version-checked edits of an organisation's profile.
"""

from matchmaker.followup.deals import add_deal, advance, drop, list_deals
from matchmaker.followup.orgs import update_organization
from matchmaker.followup.report import funnel

__all__ = ["add_deal", "advance", "drop", "funnel", "list_deals", "update_organization"]
