import base64
import io
import secrets

import qrcode
from qrcode.image.pure import PyPNGImage

from odoo import api, fields, models

# Cards of loyalty programmes carry a 13-digit EAN-13 number: it prints as a barcode, reads
# aloud at the front desk, and keeps the "044" prefix that Odoo's barcode nomenclature
# already routes to loyalty cards in the Point of Sale.
CLINIC_CODE_PREFIX = "044"
CLINIC_CODE_LENGTH = 13


def ean13_check_digit(digits12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    qr_code = fields.Binary(
        string="QR Code",
        compute="_compute_qr_code",
        help="QR code of the card number, printed on the card and shown on the portal.",
    )

    @api.depends("code")
    def _compute_qr_code(self):
        for card in self:
            card.qr_code = card._qr_png(card._get_qr_payload()) if card.code else False

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.program"].browse(
            {vals["program_id"] for vals in vals_list if vals.get("program_id")}
        )
        loyalty_program_ids = set(programs.filtered(lambda p: p.program_type == "loyalty").ids)
        for vals in vals_list:
            if not vals.get("code") and vals.get("program_id") in loyalty_program_ids:
                vals["code"] = self._generate_clinic_code()
        return super().create(vals_list)

    @api.model
    def _generate_clinic_code(self):
        """A new EAN-13 card number that no card uses yet."""
        random_length = CLINIC_CODE_LENGTH - len(CLINIC_CODE_PREFIX) - 1
        for _attempt in range(10):
            body = CLINIC_CODE_PREFIX + "".join(str(secrets.randbelow(10)) for _i in range(random_length))
            code = body + ean13_check_digit(body)
            if not self.sudo().with_context(active_test=False).search_count([("code", "=", code)]):
                return code
        # A billion numbers make ten collisions in a row practically impossible; the
        # UNIQUE(code) constraint still guards the database.
        return code

    def _get_qr_payload(self):
        """What the QR code says: the card number, as the scanners at the desk type it."""
        self.ensure_one()
        return self.code

    @staticmethod
    def _qr_png(payload):
        image = qrcode.make(payload, image_factory=PyPNGImage, box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer)
        return base64.b64encode(buffer.getvalue())

    def action_print_clinic_card(self):
        return self.env.ref("clinic_loyalty.loyalty_card_report_clinic").report_action(self, config=False)
