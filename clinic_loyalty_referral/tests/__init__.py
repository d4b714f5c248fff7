from . import test_referral_guards
from . import test_referral_rewards
from . import test_referral_rpc
from . import test_referral_concurrency
from . import test_referral_link
from . import test_referral_pos
from . import test_referral_tour
from . import test_referral_public
