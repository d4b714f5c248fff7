# Copyright 2026 Clinic Loyalty contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Clinic Loyalty Referrals",
    "summary": "Referral codes for patients, staff and partner channels, with guards",
    "version": "18.0.1.0.0",
    "category": "Sales/Loyalty",
    "website": "https://github.com/clinic-loyalty/clinic-loyalty",
    "author": "Clinic Loyalty contributors",
    "license": "LGPL-3",
    "depends": ["clinic_loyalty"],
    "data": [
        "views/res_partner_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "installable": True,
}
