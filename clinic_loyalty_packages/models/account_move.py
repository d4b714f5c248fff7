from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        self.filtered(lambda move: move.move_type == "out_refund")._clinic_check_package_refunds()
        posted = super()._post(soft=soft)
        for line in posted.filtered(lambda move: move.move_type == "out_refund").invoice_line_ids.filtered(
            "clinic_package_id"
        ):
            line.clinic_package_id._clinic_close_refunded(
                line.price_total, line.price_subtotal, ("refund_move_id", line.move_id.id), line.move_id.name
            )
        return posted

    def button_draft(self):
        # A credit note that refunded a package closed it (its unused part paid back, its
        # deferred revenue recognised): it is not reopened by resetting the credit note.
        refunded = (
            self.filtered(lambda move: move.move_type == "out_refund" and move.state == "posted")
            .sudo()
            .invoice_line_ids.clinic_package_id
        )
        if refunded:
            raise UserError(
                self.env._(
                    "%(package)s was refunded by this credit note and is closed: the credit note cannot be reset "
                    "to draft or cancelled. If the refund was a mistake, sell the patient a new package.",
                    package=refunded[:1].display_name,
                )
            )
        return super().button_draft()

    def _clinic_check_package_refunds(self):
        """A credit note refunds a treatment package through the package's Refund (which names
        the package) or as Odoo's Reverse of the invoice that sold it (each unit its next open
        package): one package per line, each package once, one unit, for no more than its
        unused part is worth today and never less than nothing."""
        seen = set()
        # As the system: the user posting need not read the sales order lines refunded. The
        # invoice of a POS refund is Odoo's own record of it: the POS refund closed the
        # package (for the unused part the server quoted) when it was paid.
        for line in self.sudo().invoice_line_ids.filtered(
            lambda line: (
                (line.clinic_package_id or line.product_id.clinic_is_package) and not line.move_id.pos_order_ids
            )
        ):
            package = line.clinic_package_id or line._clinic_package_reversed(seen)
            if not package:
                raise UserError(
                    self.env._(
                        "%(product)s sold a treatment package: refund it from the package (Refund), which "
                        "computes what its unused part is worth.",
                        product=line.product_id.display_name,
                    )
                )
            if (
                package.sale_line_id not in line.sale_line_ids
                or line.product_id != package.product_id
                or package.partner_id.commercial_partner_id != line.move_id.commercial_partner_id
                or package.company_id != line.move_id.company_id
            ):
                raise UserError(
                    self.env._(
                        "%(package)s was not sold by this invoice's order to this patient.",
                        package=package.display_name,
                    )
                )
            if package.state not in ("active", "used", "expired") or package in seen:
                raise UserError(self.env._("%(package)s is closed already.", package=package.display_name))
            seen.add(package)
            currency = line.currency_id
            allowed = package._clinic_refund_amount()
            if (
                line.quantity != 1
                or currency.compare_amounts(line.price_total, 0) < 0
                or currency.compare_amounts(line.price_total, allowed + currency.rounding) > 0
            ):
                raise UserError(
                    self.env._(
                        "%(package)s's unused part is worth %(allowed)s today, not %(amount)s: sessions may "
                        "have been used since the credit note was made.",
                        package=package.display_name,
                        allowed=format_amount(self.env, allowed, currency),
                        amount=format_amount(self.env, line.price_total, currency),
                    )
                )

    clinic_package_id = fields.Many2one(
        comodel_name="clinic.package",
        string="Treatment Package",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The package whose deferred revenue this entry recognises.",
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    clinic_package_id = fields.Many2one(
        comodel_name="clinic.package",
        string="Refunded Package",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The treatment package whose unused part this credit note line refunds.",
    )

    def _clinic_package_reversed(self, seen):
        """The package a reversed invoice's line refunds (Odoo's Reverse of an invoice that
        sold one): one unit of a line that sold packages refunds the next open one of them,
        then checked as any package refund (its unused part today). Empty when there is none
        or the line refunds more than one unit."""
        self.ensure_one()
        if self.quantity != 1 or not self.sale_line_ids:
            return self.env["clinic.package"]
        packages = (
            self.env["clinic.package"]
            .sudo()
            .search(
                [("sale_line_id", "in", self.sale_line_ids.ids), ("state", "in", ("active", "used", "expired"))],
                order="id",
            )
        )
        package = packages.filtered(lambda package: package not in seen)[:1]
        if package:
            self.clinic_package_id = package
        return package

    def _clinic_refunded_fraction(self, sale_line):
        # Refunding a package's unused part refunds the package: it takes back all the
        # points the package earned, whatever part of its price comes back.
        if self.clinic_package_id and sale_line.product_uom_qty:
            return min(self.quantity / sale_line.product_uom_qty, 1.0)
        return super()._clinic_refunded_fraction(sale_line)
