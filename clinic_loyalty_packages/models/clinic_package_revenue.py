"""Deferred revenue of treatment packages: booked to a liability at the sale, recognised per session."""

from odoo import fields, models
from odoo.exceptions import UserError


class ClinicPackage(models.Model):
    _inherit = "clinic.package"

    def _clinic_recognise(self, amount, label, day, product):
        """Post an entry moving ``amount`` of the package's deferred revenue to the revenue
        account of ``product`` (the service used, or the package); return it (empty for none)."""
        self.ensure_one()
        package = self.sudo()
        company = package.company_id
        if not package.deferred or company.currency_id.compare_amounts(amount, 0) <= 0:
            return self.env["account.move"]
        journal = company.clinic_package_revenue_journal_id
        liability = company.clinic_package_deferred_account_id
        if not (journal and liability):
            raise UserError(
                self.env._(
                    "%(company)s defers package revenue without a liability account or journal: set them in "
                    "the Clinic Loyalty settings.",
                    company=company.name,
                )
            )
        revenue = (
            product.with_company(company).with_context(clinic_package_income=True)._get_product_accounts()["income"]
            or journal.default_account_id
        )
        line = {"name": label, "partner_id": package.partner_id.id}
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": day,
                    "ref": label,
                    "clinic_package_id": package.id,
                    "line_ids": [
                        fields.Command.create({**line, "account_id": liability.id, "debit": amount, "credit": 0.0}),
                        fields.Command.create({**line, "account_id": revenue.id, "debit": 0.0, "credit": amount}),
                    ],
                }
            )
        )
        move.action_post()
        package.deferred_recognised += amount
        return move

    def _clinic_session_revenue(self, counter):
        """The share of the deferred revenue one session of ``counter`` recognises: its list
        price's share of the package's (sessions alike without list prices); the package's
        last session recognises what is left, so the shares add up to the price exactly."""
        self.ensure_one()
        package = self.sudo()
        if package.sessions_left <= 0:
            return package.deferred_balance
        total = sum(c.sessions * c.list_price for c in package.counter_ids)
        share = (
            package.deferred_amount * counter.list_price / total
            if total > 0
            else package.deferred_amount / (package.sessions_total or 1)
        )
        return min(package.currency_id.round(share), package.deferred_balance)
