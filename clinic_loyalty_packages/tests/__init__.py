from . import test_package_product
