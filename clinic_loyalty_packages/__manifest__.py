# Copyright 2026 Clinic Loyalty contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Clinic Loyalty Packages",
    "summary": "Prepaid treatment packages: courses of sessions sold once, used visit by visit",
    "version": "18.0.1.2.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/clinic-loyalty/clinic-loyalty",
    "author": "Clinic Loyalty contributors",
    "license": "LGPL-3",
    "depends": ["clinic_loyalty", "mail", "sms"],
    "data": [
        "security/ir.model.access.csv",
        "security/clinic_loyalty_packages_security.xml",
        "data/ir_cron.xml",
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "views/product_template_views.xml",
        "views/clinic_package_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "report/clinic_package_report.xml",
    ],
    "demo": ["demo/product_demo.xml", "demo/sale_order_demo.xml"],
    "assets": {
        "point_of_sale._assets_pos": [
            "clinic_loyalty_packages/static/src/**/*",
        ],
        "web.assets_tests": [
            "clinic_loyalty_packages/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
