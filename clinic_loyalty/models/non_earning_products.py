"""Keeps the caches of the programme's configuration true (the products that earn no points,
loyalty.program._clinic_non_earning_product_ids, and the category rates,
loyalty.program._clinic_category_rates): they are dropped whenever a record they are read
from changes."""

from odoo import api, models


def _drop_non_earning_cache(env):
    env.registry.clear_cache()


class _NonEarningSource(models.AbstractModel):
    _name = "clinic.loyalty.non.earning.source"
    _description = "Configuration the programme's cached figures are read from"
    # Fields of the inheriting model the caches are read from.
    _clinic_non_earning_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        _drop_non_earning_cache(self.env)
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(vals) & set(self._clinic_non_earning_fields):
            _drop_non_earning_cache(self.env)
        return result

    def unlink(self):
        result = super().unlink()
        _drop_non_earning_cache(self.env)
        return result


class LoyaltyRule(models.Model):
    _name = "loyalty.rule"
    _inherit = ["loyalty.rule", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("product_ids", "program_id")


class LoyaltyReward(models.Model):
    _name = "loyalty.reward"
    _inherit = ["loyalty.reward", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("discount_line_product_id",)


class ClinicLoyaltyMembershipPlan(models.Model):
    _name = "clinic.loyalty.membership.plan"
    _inherit = ["clinic.loyalty.membership.plan", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("product_id",)


class LoyaltyProgram(models.Model):
    _name = "loyalty.program"
    _inherit = ["loyalty.program", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("program_type",)


class ClinicLoyaltyCategoryRate(models.Model):
    _name = "clinic.loyalty.category.rate"
    _inherit = ["clinic.loyalty.category.rate", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("program_id", "categ_id", "rate", "excluded")


class ProductCategory(models.Model):
    _name = "product.category"
    _inherit = ["product.category", "clinic.loyalty.non.earning.source"]
    _clinic_non_earning_fields = ("parent_id",)
