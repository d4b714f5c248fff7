from . import test_card
from . import test_phone
from . import test_household
from . import test_security
from . import test_tour
from . import test_ledger
from . import test_sale_loyalty
