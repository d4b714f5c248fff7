from . import clinic_referrer_report
