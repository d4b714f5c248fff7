from odoo import models


class ClinicLoyaltyDocument(models.AbstractModel):
    """Packages in the order engine: a paid POS order or a confirmed sales order gives the
    patient one package per unit of a package product sold, through one code path."""

    _inherit = "clinic.loyalty.document"

    def _clinic_package_sales(self):
        """The document's lines selling package products, as ``clinic.package._clinic_sell`` reads them."""
        raise NotImplementedError

    def _clinic_sell_packages(self):
        for document in self:
            sales = document._clinic_package_sales()
            if sales:
                self.env["clinic.package"]._clinic_sell(sales)
