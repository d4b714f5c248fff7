"""Redeeming treatment packages: which package covers a visit, sessions taken and given back."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class ClinicPackage(models.Model):
    _inherit = "clinic.package"

    def _clinic_refusal(self, patient, service, company, day):
        """Why this package cannot pay a session of ``service`` for ``patient`` on ``day``
        (a translated sentence), or None when it can."""
        self.ensure_one()
        package = self.sudo()
        if package.company_id != company:
            return self.env._(
                "%(package)s belongs to %(company)s.", package=package.display_name, company=package.company_id.name
            )
        if package.partner_id != patient:
            household = package.partner_id._clinic_household(company)
            member = (
                household
                and household.state == "active"
                and (not household.date_end or household.date_end >= day)
                and patient in household.member_ids
            )
            if not package.household_shared:
                return self.env._(
                    "%(package)s is %(owner)s's and cannot be used by another patient.",
                    package=package.display_name,
                    owner=package.partner_id.name,
                )
            if not member:
                return self.env._(
                    "%(package)s is %(owner)s's: only members of their active household may use it.",
                    package=package.display_name,
                    owner=package.partner_id.name,
                )
        if package.state == "cancelled":
            return self.env._("%(package)s was cancelled.", package=package.display_name)
        if package.state == "refunded":
            return self.env._("%(package)s was refunded.", package=package.display_name)
        if (package.date_end and package.date_end < day) or package.state == "expired":
            return self.env._(
                "%(package)s expired on %(date)s.",
                package=package.display_name,
                date=format_date(self.env, package.date_end),
            )
        counter = package.counter_ids.filtered(lambda c: c.service_id == service)
        if not counter:
            return self.env._(
                "%(package)s does not cover %(service)s.", package=package.display_name, service=service.display_name
            )
        if counter.sessions_left <= 0:
            return self.env._(
                "%(package)s has no %(service)s session left (%(count)s used).",
                package=package.display_name,
                service=service.display_name,
                count=counter.sessions_used,
            )
        return None

    @api.model
    def _clinic_candidates(self, patient, company, day, domain=()):
        """Active, valid packages of ``patient`` and of their household in ``company``,
        the one expiring first first (each still to be checked by ``_clinic_refusal``)."""
        owners = patient
        household = patient._clinic_household(company)
        if household:
            owners |= household.sudo().member_ids | household.sudo().holder_id
        return self.sudo().search(
            [
                ("partner_id", "in", owners.ids),
                ("company_id", "=", company.id),
                ("state", "=", "active"),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", day),
                *domain,
            ],
            order="date_end, id",
        )

    @api.model
    def _clinic_check_uses(self, patient, company, day, uses):
        """Why the sessions ``uses`` [(package, service, units)] of one order cannot be paid
        (translated sentences; empty: they can), counting the order's sessions together."""
        problems = []
        taken = {}
        for package, service, units in uses:
            package = package.sudo()
            refusal = package._clinic_refusal(patient, service, company, day)
            if not refusal and not units:
                refusal = self.env._("A package pays whole sessions, one per unit of the service.")
            if not refusal:
                counter = package.counter_ids.filtered(lambda c, service=service: c.service_id == service)
                taken[counter] = taken.get(counter, 0) + units
                if taken[counter] > counter.sessions_left:
                    refusal = self.env._(
                        "%(package)s has %(left)s %(service)s sessions left, not %(count)s.",
                        package=package.display_name,
                        left=counter.sessions_left,
                        service=service.display_name,
                        count=taken[counter],
                    )
            if refusal:
                problems.append(refusal)
        return problems

    @api.model
    def _clinic_usable(self, patient, service, company, day):
        """The packages that can pay a session of ``service`` for ``patient``, the one
        expiring first first: the patient's own, then their household's shared ones."""
        if not patient:
            return self.browse()
        candidates = self._clinic_candidates(patient, company, day, [("counter_ids.service_id", "=", service.id)])
        usable = candidates.filtered(lambda p: not p._clinic_refusal(patient, service, company, day))
        # Not started yet (valid from the first visit) last: those expiring first are used first.
        return usable.sorted(lambda p: (p.partner_id != patient, not p.date_end, p.date_end or day, p.id))

    def _clinic_redeem(self, patient, service, company, day, key, origin, link):
        """Use one session of ``service`` for ``patient``; once per ``key`` (a document line).

        The package row is locked first: two orders taking its last session wait for each
        other, and the second finds none left. Raises UserError with the reason when the
        package cannot pay it.
        """
        self.ensure_one()
        Use = self.env["clinic.package.use"].sudo()
        self.env.cr.execute("SELECT id FROM clinic_package WHERE id = %s FOR UPDATE", [self.id])
        existing = Use.search([("key", "=", key)])
        if existing:
            # Taken already, or given back by a refund: a replay takes nothing (again).
            return existing
        refusal = self._clinic_refusal(patient, service, company, day)
        if refusal:
            raise UserError(refusal)
        counter = self.sudo().counter_ids.filtered(lambda c: c.service_id == service)
        if not self.date_end:
            # Valid from its first visit: this visit starts it.
            template = self.sudo().product_id.product_tmpl_id
            self.sudo().write({"date_start": day, "date_end": template._clinic_package_date_end(day)})
        use = Use.create(
            {"counter_id": counter.id, "partner_id": patient.id, "key": key, "origin": origin, link[0]: link[1]}
        )
        self._clinic_update_state()
        if self.sudo().deferred:
            amount = self._clinic_session_revenue(counter)
            move = self._clinic_recognise(
                amount,
                self.env._(
                    "%(service)s, session of %(package)s (%(origin)s)",
                    service=service.display_name,
                    package=self.display_name,
                    origin=origin,
                ),
                day,
                service,
            )
            use.write({"revenue_move_id": move.id, "revenue_amount": amount if move else 0.0})
        return use

    @api.model
    def _clinic_restore(self, keys):
        """The sessions used by the lines ``keys`` come back (order cancelled, visit refunded)."""
        uses = self.env["clinic.package.use"].sudo().search([("key", "in", keys), ("restored", "=", False)])
        uses.write({"restored": True})
        for use in uses.filtered("revenue_move_id"):
            # The session's revenue goes back to the liability: its entry is reversed.
            use.revenue_move_id._reverse_moves(
                [
                    {
                        "date": fields.Date.context_today(self),
                        "ref": self.env._("Session given back: %(origin)s", origin=use.origin),
                        "clinic_package_id": use.package_id.id,
                    }
                ],
                cancel=True,
            )
            use.package_id.deferred_recognised -= use.revenue_amount
            use.revenue_amount = 0.0
        uses.package_id._clinic_update_state()
        return uses
