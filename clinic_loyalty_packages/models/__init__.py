from . import clinic_package_line
from . import product_template
