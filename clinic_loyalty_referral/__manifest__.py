# Copyright 2026 Clinic Loyalty contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Clinic Loyalty Referrals",
    "summary": "Referral codes for patients, staff and partner channels, with guards",
    "version": "18.0.1.1.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/clinic-loyalty/clinic-loyalty",
    "author": "Clinic Loyalty contributors",
    "license": "LGPL-3",
    "depends": ["clinic_loyalty", "auth_signup"],
    "data": [
        "security/ir.model.access.csv",
        "security/clinic_loyalty_referral_security.xml",
        "data/ir_cron.xml",
        "views/clinic_referral_program_views.xml",
        "views/clinic_referral_views.xml",
        "views/clinic_referrer_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/loyalty_card_views.xml",
        "views/referral_link_templates.xml",
        "report/clinic_referrer_report.xml",
        "views/menus.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "clinic_loyalty_referral/static/src/**/*",
        ],
        "web.assets_tests": [
            "clinic_loyalty_referral/static/tests/tours/**/*",
        ],
    },
    "demo": ["demo/referral_demo.xml"],
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
