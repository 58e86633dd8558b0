"""The kinds of centres LVS compares: organisation forms and municipality types (codes and names)."""

from flask_babel import lazy_gettext as _l

ORG_FORMS = {
    "municipal": _l("Municipal"),
    "self-governing": _l("Self-governing"),
    "self-governing-with-agreement": _l("Self-governing with an operating agreement"),
    "user-driven": _l("User-driven"),
    "housing-area-plan": _l("Part of a housing-area plan"),
}
MUNICIPALITY_TYPES = {
    "rural": _l("Rural municipality"),
    "commuter": _l("Commuter municipality"),
    "provincial": _l("Provincial municipality"),
    "large-city": _l("Large city"),
    "capital-area": _l("Capital area"),
}
GROUPINGS = {"org-form": ("org_form", ORG_FORMS), "municipality-type": ("municipality_type", MUNICIPALITY_TYPES)}


def label(by, code):
    return str(GROUPINGS[by][1].get(code, code))
