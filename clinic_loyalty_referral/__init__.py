from . import controllers
from . import models
from . import report


def post_init_hook(env):
    """Patients enrolled before the module was installed get their referral code now."""
    env["res.partner"].search([("is_patient", "=", True)])._clinic_ensure_referrer()


def uninstall_hook(env):
    """Referrals and their rewards go with the module (their tables are dropped): remove them
    first, so that Odoo can remove the module's own records (the demo channel) in any order.
    The points the rewards posted stay on the cards: the ledger lines lose only their link."""
    env.cr.execute("UPDATE clinic_loyalty_ledger SET referral_reward_id = NULL WHERE referral_reward_id IS NOT NULL")
    env.cr.execute("DELETE FROM clinic_referral_reward")
    env.cr.execute("DELETE FROM clinic_referral")
