from odoo import api, models


def referrer_public_name(referrer, display="first_name"):
    """What a stranger may read of who invited them: a channel's name, a person's (patient's
    or staff member's) first name only (a patient's full name is health-related personal
    data), or no person at all when ``display`` is "channel"."""
    if referrer.kind == "channel":
        return referrer.name
    if display == "channel":
        return ""
    person = referrer.sudo().partner_id if referrer.kind == "patient" else referrer.sudo()
    name = (person.name or referrer.name or "").split()
    return name[0] if name else ""


class ReportClinicReferrerInvitation(models.AbstractModel):
    """The printable invitation (poster or card) of a referrer: code, QR code and link."""

    _name = "report.clinic_loyalty_referral.report_referrer_invitation"
    _description = "Referral Invitation"

    @api.model
    def _get_report_values(self, docids, data=None):
        return {
            "doc_ids": docids,
            "doc_model": "clinic.referrer",
            "docs": self.env["clinic.referrer"].browse(docids),
            "public_name": referrer_public_name,
        }
