from . import test_package_product
from . import test_package_sale
from . import test_package_redemption
from . import test_package_pos
from . import test_package_tour
