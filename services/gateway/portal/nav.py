"""The portal's navigation per role, in one place.

An entry with ``soon=True`` is a place kept for a page that has not landed yet: it shows
as "即将开放 / coming soon" and links nowhere. When a page lands, give the entry its real
path and drop ``soon``.
"""
from dataclasses import dataclass

from services.gateway.portal.i18n import N_


@dataclass(frozen=True)
class NavItem:
    label: str  # an English message id, translated where it is shown
    path: str | None = None
    soon: bool = False


_AWARDS = (NavItem(N_("Award evaluation"), soon=True), NavItem(N_("Brand evaluation"), soon=True))

NAVIGATION = {
    "enterprise": (
        NavItem(N_("Dashboard"), "/enterprise"),
        NavItem(N_("Inbox"), "/inbox"),
        NavItem(N_("Activities"), "/enterprise/activities"),
        NavItem(N_("QC groups"), "/enterprise/qc/groups"),
        NavItem(N_("QC results"), "/enterprise/qc/results"),
        *_AWARDS,
    ),
    "judge": (
        NavItem(N_("Home"), "/judge"),
        NavItem(N_("My assignments"), "/judge/assignments"),
        NavItem(N_("Score sheets"), "/judge/score-sheets"),
        NavItem(N_("Inbox"), "/inbox"),
        *_AWARDS,
    ),
    "organiser": (
        NavItem(N_("Overview"), "/organiser"),
        NavItem(N_("Enterprises"), "/organiser/enterprises"),
        NavItem(N_("Judges"), "/organiser/judges"),
        NavItem(N_("Campaigns"), "/organiser/campaigns"),
        NavItem(N_("Activities"), "/organiser/activities"),
        NavItem(N_("Notices"), "/organiser/notices"),
        NavItem(N_("QC conference"), "/organiser/qc"),
        NavItem(N_("Statistics"), "/organiser/statistics"),
        *_AWARDS,
        NavItem(N_("Inbox"), "/inbox"),
    ),
}

HOME = {"enterprise": "/enterprise", "judge": "/judge", "organiser": "/organiser"}


def navigation_for(identity):
    return NAVIGATION.get(identity.role, ()) if identity else ()


def home_for_role(role):
    return HOME.get(role, "/login")


def home_for(identity):
    return home_for_role(identity.role) if identity else "/login"
