from . import test_package_product
from . import test_package_sale
from . import test_package_redemption
from . import test_package_pos
from . import test_package_tour
from . import test_package_concurrency
from . import test_package_refund
