"""Refund of a treatment package's unused part, by its refund rule."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount


class ClinicPackage(models.Model):
    _inherit = "clinic.package"

    def _clinic_refund_amount(self):
        """What the patient gets back for the unused part, by the rule the package was sold
        under: pro rata of the price paid (each session weighed by its list price when sold),
        or the price paid less the list price of the sessions used (never below zero)."""
        self.ensure_one()
        package = self.sudo()
        if package.state in ("cancelled", "refunded") or package.refund_rule == "none":
            return 0.0
        counters = package.counter_ids
        if package.refund_rule == "list_price":
            amount = package.price_paid - sum(c.sessions_used * c.list_price for c in counters)
        else:
            total = sum(c.sessions * c.list_price for c in counters)
            left = sum(c.sessions_left * c.list_price for c in counters)
            if total <= 0:  # no list prices: each session weighs the same
                total, left = package.sessions_total, package.sessions_left
            amount = package.price_paid * left / total if total else 0.0
        return package.currency_id.round(min(max(amount, 0.0), package.price_paid))

    @api.model
    def _clinic_refundable(self, line_key, count, partner, company):
        """The ``count`` packages a refund of the line ``line_key`` to ``partner`` in
        ``company`` closes: theirs, not closed yet, the least used first (the patient gives
        back what they used least)."""
        packages = self.sudo().search(
            [
                ("line_key", "=", line_key),
                ("state", "in", ("active", "used", "expired")),
                ("partner_id", "child_of", partner.commercial_partner_id.ids),
                ("company_id", "=", company.id),
            ]
        )
        return packages.sorted(lambda p: (p.sessions_total - p.sessions_left, p.id))[:count]

    def _clinic_close_refunded(self, amount, untaxed, link, origin):
        """The package is refunded: closed, nothing left to use, ``amount`` given back
        (``untaxed`` without taxes: what the refund takes out of a deferred revenue; the rest
        of it is recognised, as the patient keeps no right to it)."""
        self.ensure_one()
        package = self.sudo()
        if package.state not in ("active", "used", "expired"):
            raise UserError(self.env._("%(package)s is closed already.", package=package.display_name))
        amount, untaxed = max(amount, 0.0), max(untaxed, 0.0)
        day = fields.Date.context_today(self)
        package.write({"state": "refunded", "refund_amount": amount, "date_refunded": day, link[0]: link[1]})
        if package.deferred:
            untaxed = min(untaxed, package.deferred_balance)
            package.deferred_refunded += untaxed
            package._clinic_recognise(
                package.deferred_balance,
                self.env._("%(package)s refunded: the rest recognised", package=package.display_name),
                day,
                package.product_id,
            )
        self.sudo().message_post(
            body=self.env._(
                "Refunded by %(origin)s: %(amount)s for the unused part.",
                origin=origin,
                amount=format_amount(self.env, amount, self.currency_id),
            )
        )

    def _clinic_check_refund_rights(self):
        if not self.env.su and not self.env.user.has_group("clinic_loyalty.group_clinic_loyalty_manager"):
            raise AccessError(self.env._("Only a loyalty manager refunds a treatment package."))

    def action_clinic_refund(self):
        """A credit note for the unused part of a package sold by a sales order (draft, for the
        manager to check and post; posting it closes the package)."""
        self.ensure_one()
        self._clinic_check_refund_rights()
        # The manager's own companies' packages only (the system makes the credit note).
        self.check_access("read")
        package = self.sudo()
        if package.state not in ("active", "used", "expired"):
            raise UserError(self.env._("%(package)s is closed already.", package=package.display_name))
        if package.refund_rule == "none":
            raise UserError(self.env._("%(package)s is not refundable.", package=package.display_name))
        draft = (
            self.env["account.move.line"]
            .sudo()
            .search([("clinic_package_id", "=", package.id), ("parent_state", "=", "draft")], limit=1)
        )
        if draft:
            # One credit note at a time for a package: the draft made earlier.
            return draft.move_id._get_records_action()
        if not package.sale_line_id:
            raise UserError(
                self.env._(
                    "%(package)s was sold at the Point of Sale: refund it there, from its order (%(origin)s).",
                    package=package.display_name,
                    origin=package.origin,
                )
            )
        invoice_line = package.sale_line_id.invoice_lines.filtered(
            lambda line: line.move_id.move_type == "out_invoice" and line.move_id.state == "posted"
        )[:1]
        if not invoice_line:
            raise UserError(
                self.env._(
                    "%(order)s has no posted invoice for %(package)s: cancel the order if no session was "
                    "used, or invoice it first.",
                    order=package.origin,
                    package=package.display_name,
                )
            )
        amount = package._clinic_refund_amount()
        invoice = invoice_line.move_id
        # The invoice's unit price and taxes, scaled: the line's total is the amount refunded.
        ratio = amount / package.price_paid if package.price_paid else 0.0
        refund = (
            self.env["account.move"]
            .sudo()
            .with_company(package.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "company_id": package.company_id.id,
                    "currency_id": invoice.currency_id.id,
                    "reversed_entry_id": invoice.id,
                    "invoice_origin": package.origin,
                    "ref": self.env._("Unused part of %(package)s", package=package.display_name),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": invoice_line.product_id.id,
                                "name": self.env._("Unused part of %(package)s", package=package.display_name),
                                "quantity": 1,
                                "price_unit": invoice_line.price_unit * ratio,
                                "discount": invoice_line.discount,
                                "tax_ids": [fields.Command.set(invoice_line.tax_ids.ids)],
                                "sale_line_ids": [fields.Command.set(package.sale_line_id.ids)],
                                "clinic_package_id": package.id,
                            }
                        )
                    ],
                }
            )
        )
        return refund._get_records_action()
