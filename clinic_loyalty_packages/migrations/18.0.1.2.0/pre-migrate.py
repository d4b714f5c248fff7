def migrate(cr, version):
    """18.0.1.2.0 counts a package's validity in days or months: the days of earlier versions
    become the number, their unit days. A package sold earlier was sold the day it started."""
    if not version:
        return
    cr.execute("ALTER TABLE clinic_package ADD COLUMN IF NOT EXISTS date_sold date")
    cr.execute("UPDATE clinic_package SET date_sold = date_start WHERE date_sold IS NULL")
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'product_template' AND column_name = 'clinic_package_validity_days'
        """
    )
    if not cr.fetchone():
        return
    cr.execute("ALTER TABLE product_template RENAME COLUMN clinic_package_validity_days TO clinic_package_validity")
    cr.execute("ALTER TABLE product_template ADD COLUMN IF NOT EXISTS clinic_package_validity_unit varchar")
    cr.execute(
        "UPDATE product_template SET clinic_package_validity_unit = 'days' WHERE clinic_package_validity_unit IS NULL"
    )
