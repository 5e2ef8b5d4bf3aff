"""Events: invitation lists, quotas and meeting agendas.

Pure algorithms over plain values (:mod:`~matchmaker.events.invite`,
:mod:`~matchmaker.events.quotas`, :mod:`~matchmaker.events.schedule`), the files an agenda is
handed out as (:mod:`~matchmaker.events.agenda_files`), and one service over the store that
builds their inputs and saves their outputs (:mod:`~matchmaker.events.service`).
"""

from matchmaker.events.invite import Quotas, choose_invitees
from matchmaker.events.schedule import Agenda, make_schedule
from matchmaker.events.service import plan_agenda, plan_invitations, save_agenda, save_invitations

__all__ = [
    "Agenda",
    "Quotas",
    "choose_invitees",
    "make_schedule",
    "plan_agenda",
    "plan_invitations",
    "save_agenda",
    "save_invitations",
]
