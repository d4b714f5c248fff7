from . import clinic_package_line
from . import clinic_package
from . import clinic_loyalty_document
from . import product_template
from . import sale_order
from . import pos_order
from . import res_partner
from . import loyalty_program
