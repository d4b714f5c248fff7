"""Referral codes move from the patient to a referrer record (with aliases); a referrer
recorded on the patient becomes a referral, kept without reward."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'res_partner' AND column_name IN ('referral_code', 'referred_by_id')"
    )
    columns = {row[0] for row in cr.fetchall()}
    Referrer = env["clinic.referrer"]
    Code = env["clinic.referral.code"]
    if "referral_code" in columns:
        cr.execute("SELECT id, referral_code FROM res_partner WHERE referral_code IS NOT NULL")
        codes = dict(cr.fetchall())
        partners = env["res.partner"].browse(list(codes)).exists()
        for partner in partners:
            referrer = Referrer.search([("kind", "=", "patient"), ("partner_id", "=", partner.id)], limit=1)
            if not referrer:
                # Created without its own code: it keeps the code the patient already gave out.
                referrer = Referrer.with_context(clinic_referral_no_code=True).create(
                    {
                        "kind": "patient",
                        "partner_id": partner.id,
                        "name": partner.name or "",
                        "company_id": partner.company_id.id,
                    }
                )
            referrer.code_ids.write({"current": False})
            Code.create({"referrer_id": referrer.id, "code": codes[partner.id], "current": True})
        cr.execute("ALTER TABLE res_partner DROP COLUMN referral_code")
    if "referred_by_id" in columns:
        cr.execute("SELECT id, referred_by_id FROM res_partner WHERE referred_by_id IS NOT NULL")
        for newcomer_id, referrer_partner_id in cr.fetchall():
            newcomer = env["res.partner"].browse(newcomer_id)
            referrer = env["res.partner"].browse(referrer_partner_id)._clinic_ensure_referrer() or Referrer.search(
                [("kind", "=", "patient"), ("partner_id", "=", referrer_partner_id)], limit=1
            )
            env["clinic.referral"].create(
                {
                    "referrer_id": referrer.id,
                    "newcomer_id": newcomer.id,
                    "company_id": (newcomer.company_id or env.company).id,
                    "source": "desk",
                    "state": "qualified",
                    "no_reward_reason": "before",
                    "code_used": referrer.code,
                }
            )
        cr.execute("ALTER TABLE res_partner DROP COLUMN referred_by_id")
    env["res.partner"].search([("is_patient", "=", True)])._clinic_ensure_referrer()
