def migrate(cr, version):
    """Packages sold before 18.0.1.2.0 follow the refund rule of their template, and each
    session weighs its service's list price today."""
    if not version:
        return
    cr.execute(
        """
        UPDATE clinic_package package
           SET refund_rule = COALESCE(template.clinic_package_refund_rule, 'pro_rata')
          FROM product_product product
          JOIN product_template template ON template.id = product.product_tmpl_id
         WHERE product.id = package.product_id AND package.refund_rule IS NULL
        """
    )
    cr.execute(
        """
        UPDATE clinic_package_counter counter
           SET list_price = template.list_price
          FROM product_product product
          JOIN product_template template ON template.id = product.product_tmpl_id
         WHERE product.id = counter.service_id AND counter.list_price IS NULL
        """
    )
