from odoo import models


class ClinicLoyaltyNotificationMixin(models.AbstractModel):
    """Sends a record's loyalty message to its card's patient by email and SMS.

    Records carry ``card_id``; the models name their templates. Messages are queued
    (``mail.mail`` and ``sms.sms`` in state outgoing), sent by Odoo's mail and SMS
    schedulers, only to patients who accept care and loyalty notices, and only on the
    channels the programme enables.
    """

    _name = "clinic.loyalty.notification.mixin"
    _description = "Clinic Loyalty Notification"

    _clinic_mail_template = None
    _clinic_sms_template = None

    def _clinic_template(self, xmlid):
        """The template of ``xmlid`` (None if deleted), from Odoo's cache of external ids."""
        model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(xmlid, raise_if_not_found=False)
        return self.env[model].browse(res_id) if res_id else None

    def _clinic_notify(self):
        recipients = self.filtered(lambda rec: rec.card_id.partner_id.clinic_consent_reminders)
        if not recipients:
            return
        mail_template = self._clinic_template(self._clinic_mail_template)
        sms_template = self._clinic_template(self._clinic_sms_template)
        by_email = recipients.filtered(
            lambda rec: rec.card_id.program_id.clinic_notify_email and rec.card_id.partner_id.email
        )
        if mail_template and by_email:
            mail_template.sudo().send_mail_batch(by_email.ids, force_send=False)
        by_sms = recipients.filtered(
            lambda rec: rec.card_id.program_id.clinic_notify_sms and rec.card_id.partner_id._clinic_sms_number()
        )
        if sms_template and by_sms:
            bodies = sms_template.sudo()._render_field("body", by_sms.ids, compute_lang=True)
            self.env["sms.sms"].sudo().create(
                [
                    {
                        "partner_id": rec.card_id.partner_id.id,
                        "number": rec.card_id.partner_id._clinic_sms_number(),
                        "body": bodies[rec.id],
                        "state": "outgoing",
                    }
                    for rec in by_sms
                ]
            )
        if "sent_email" in self._fields:
            by_email.write({"sent_email": True})
            by_sms.write({"sent_sms": True})
