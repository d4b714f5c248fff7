from . import test_referral_code
