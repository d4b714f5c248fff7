from . import controllers
from . import models
from . import report


def post_init_hook(env):
    """Patients enrolled before the module was installed get their referral code now."""
    env["res.partner"].search([("is_patient", "=", True)])._clinic_ensure_referrer()
