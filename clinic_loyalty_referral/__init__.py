from . import models


def post_init_hook(env):
    """Patients enrolled before the module was installed get their referral code now."""
    env["res.partner"].search([("is_patient", "=", True), ("referral_code", "=", False)])._assign_referral_code()
