from odoo import api, models


def referrer_public_name(referrer):
    """What a stranger may read of who invited them: a patient's first name only (the rest
    of a patient's name is health-related personal data), a staff member's or channel's name."""
    if referrer.kind == "patient":
        name = (referrer.sudo().partner_id.name or referrer.name or "").split()
        return name[0] if name else ""
    return referrer.name


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
