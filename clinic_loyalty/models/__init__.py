from . import res_company
from . import res_config_settings
from . import loyalty_program
from . import loyalty_card
from . import clinic_loyalty_ledger
from . import clinic_loyalty_household
from . import res_partner
