# Copyright 2026 Clinic Loyalty contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Clinic Loyalty",
    "summary": "Loyalty cards, bonus points, tiers and family memberships for clinics",
    "version": "18.0.1.2.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/clinic-loyalty/clinic-loyalty",
    "author": "Clinic Loyalty contributors",
    "license": "LGPL-3",
    "application": True,
    "depends": ["sale_loyalty", "pos_loyalty", "sms", "portal"],
    "external_dependencies": {"python": ["qrcode", "phonenumbers"]},
    "data": [
        "security/clinic_loyalty_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "report/loyalty_card_report.xml",
        "views/clinic_loyalty_ledger_views.xml",
        "views/loyalty_program_views.xml",
        "views/clinic_loyalty_tier_views.xml",
        "views/sale_order_views.xml",
        "views/loyalty_card_views.xml",
        "views/res_partner_views.xml",
        "views/clinic_loyalty_membership_plan_views.xml",
        "wizards/clinic_loyalty_household_member_views.xml",
        "views/clinic_loyalty_household_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/product_demo.xml",
        "demo/loyalty_program_demo.xml",
        "demo/res_partner_demo.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "clinic_loyalty/static/src/**/*",
        ],
        "web.assets_tests": [
            "clinic_loyalty/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
