from . import test_package_product
from . import test_package_sale
