from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class ClinicLoyaltyIntegrityProblem(models.Model):
    _inherit = "clinic.loyalty.integrity.problem"

    kind = fields.Selection(selection_add=[("package", "Package sessions")], ondelete={"package": "cascade"})

    def _clinic_detail_messages(self):
        return {
            **super()._clinic_detail_messages(),
            "package": _lt("%(service)s: %(used)s used and %(left)s left of %(sessions)s; visits recorded: %(visits)s"),
        }
