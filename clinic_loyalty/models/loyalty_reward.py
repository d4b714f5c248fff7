from odoo import api, models


class LoyaltyReward(models.Model):
    _inherit = "loyalty.reward"

    def _clinic_is_points_payment(self):
        """The clinic programme's reward that pays part of an order with the card's points."""
        self.ensure_one()
        return bool(
            self.program_id.clinic_bonus and self.reward_type == "discount" and self.discount_mode == "per_point"
        )

    def _compute_description(self):
        # Odoo names a points discount "1 $ per point on your order" in the language of
        # whoever created it; the clinic's reads "Pay with points" at the desk and on the
        # receipt, in each cashier's language (see create). Other programmes keep Odoo's.
        super()._compute_description()
        for reward in self:
            if reward._clinic_is_points_payment():
                reward.description = self.env._("Pay with points")

    @api.model_create_multi
    def create(self, vals_list):
        rewards = super().create(vals_list)
        rewards._clinic_translate_points_payment()
        return rewards

    def _clinic_translate_points_payment(self):
        """The clinic's points reward, still named "Pay with points", gets that name in every
        installed language; a name a manager typed is theirs to translate."""
        default = self.env._("Pay with points")
        rewards = self.filtered(lambda reward: reward._clinic_is_points_payment() and reward.description == default)
        if not rewards:
            return
        names = {
            code: self.with_context(lang=code).env._("Pay with points")
            for code, _name in self.env["res.lang"].get_installed()
        }
        for reward in rewards:
            reward.update_field_translations("description", names)
            # The POS and the receipt name the reward's line by its discount product.
            product = reward.discount_line_product_id
            if product and product.with_context(lang="en_US").name in (default, "Pay with points"):
                product.product_tmpl_id.update_field_translations("name", names)


class ResLang(models.Model):
    _inherit = "res.lang"

    @api.model_create_multi
    def create(self, vals_list):
        langs = super().create(vals_list)
        if langs.filtered("active"):
            self._clinic_name_points_rewards()
        return langs

    def write(self, vals):
        result = super().write(vals)
        if vals.get("active"):
            self._clinic_name_points_rewards()
        return result

    def _clinic_name_points_rewards(self):
        """A language installed later names the clinic's points reward too."""
        self.env["loyalty.reward"].sudo().search(
            [
                ("program_id.clinic_bonus", "=", True),
                ("reward_type", "=", "discount"),
                ("discount_mode", "=", "per_point"),
            ]
        )._clinic_translate_points_payment()
