from odoo import models, tools


class LoyaltyProgram(models.Model):
    _inherit = "loyalty.program"

    @tools.ormcache()
    def _clinic_read_non_earning_product_ids(self):
        """Packages whose template says they earn nothing join the products that earn no points."""
        self.env["product.template"].flush_model(["is_clinic_package", "clinic_package_earns"])
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env.cr.execute(
            """
            SELECT product.id
              FROM product_product product
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE template.is_clinic_package AND NOT template.clinic_package_earns
            """
        )
        packages = frozenset(row[0] for row in self.env.cr.fetchall())
        return super()._clinic_read_non_earning_product_ids() | packages
