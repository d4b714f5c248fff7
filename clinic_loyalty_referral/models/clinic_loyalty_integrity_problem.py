from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class ClinicLoyaltyIntegrityProblem(models.Model):
    _inherit = "clinic.loyalty.integrity.problem"

    kind = fields.Selection(selection_add=[("referral", "Referral rewarded twice")], ondelete={"referral": "cascade"})

    def _clinic_detail_messages(self):
        return {
            **super()._clinic_detail_messages(),
            "referral_gift": _lt("The newcomer's gift given %(times)s times"),
            "referral_order": _lt("The referrer rewarded %(times)s times for one order"),
            "referral_posted": _lt("A reward's points posted %(times)s times on the card"),
        }
