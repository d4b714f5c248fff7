import hashlib
from datetime import datetime, timedelta

from odoo import api, fields, models

# Limits of the public referral page, as ir.config_parameter keys and their defaults.
WINDOW_PARAM = "clinic_loyalty_referral.link_window_minutes"
ADDRESS_LIMIT_PARAM = "clinic_loyalty_referral.link_limit_per_address"
CODE_LIMIT_PARAM = "clinic_loyalty_referral.link_limit_per_code"
DEFAULTS = {WINDOW_PARAM: 60, ADDRESS_LIMIT_PARAM: 20, CODE_LIMIT_PARAM: 30}
EPOCH = datetime(1970, 1, 1)


class ClinicReferralLinkAttempt(models.Model):
    """How often a client address opened the public referral page, and how often a code's
    form was sent, in a fixed window: beyond the configured limits the page answers with
    its neutral page and does nothing. Addresses are kept hashed; old windows are vacuumed."""

    _name = "clinic.referral.link.attempt"
    _description = "Referral Link Attempts"
    _log_access = False

    kind = fields.Selection([("address", "Client Address"), ("code", "Referral Code")], required=True, readonly=True)
    key = fields.Char(required=True, readonly=True, help="The code, or a hash of the client address.")
    window_start = fields.Datetime(required=True, readonly=True)
    count = fields.Integer(required=True, readonly=True)

    _sql_constraints = [
        ("window_unique", "UNIQUE(kind, key, window_start)", "One counter per key and window."),
    ]

    @api.model
    def _clinic_limits(self):
        """(window in minutes, limit per address, limit per code), from the system parameters."""
        get = self.env["ir.config_parameter"].sudo().get_param
        values = []
        for param in (WINDOW_PARAM, ADDRESS_LIMIT_PARAM, CODE_LIMIT_PARAM):
            try:
                values.append(max(int(get(param, DEFAULTS[param])), 1))
            except (TypeError, ValueError):
                values.append(DEFAULTS[param])
        return tuple(values)

    @api.model
    def _clinic_window_start(self, minutes):
        """Start of the current fixed window of ``minutes`` (UTC, counted from the epoch)."""
        seconds = int((fields.Datetime.now() - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=seconds - seconds % (minutes * 60))

    @api.model
    def _clinic_hit(self, kind, key):
        """Count one attempt of ``key``; whether it stays within the limit of its kind."""
        minutes, address_limit, code_limit = self._clinic_limits()
        if kind == "address":
            key = hashlib.sha256(key.encode()).hexdigest()
        window = self._clinic_window_start(minutes)
        # One statement counts: two requests at once never both read the old count.
        self.env.cr.execute(
            """
            INSERT INTO clinic_referral_link_attempt (kind, key, window_start, count)
            VALUES (%s, %s, %s, 1)
            ON CONFLICT (kind, key, window_start) DO UPDATE SET count = clinic_referral_link_attempt.count + 1
            RETURNING count
            """,
            [kind, key, window],
        )
        count = self.env.cr.fetchone()[0]
        return count <= (address_limit if kind == "address" else code_limit)

    @api.autovacuum
    def _gc_clinic_link_attempts(self):
        """Windows older than a day count nothing any more."""
        self.env.cr.execute(
            "DELETE FROM clinic_referral_link_attempt WHERE window_start < %s",
            [fields.Datetime.now() - timedelta(days=1)],
        )
