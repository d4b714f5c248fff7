import base64
import io

import psycopg2
from PIL import Image
from PyPDF2 import PdfReader
from pyzbar.pyzbar import decode as decode_barcodes

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.clinic_loyalty.models.loyalty_card import ean13_check_digit

from ..tools.guard import server_write
from .common import ClinicLoyaltyCommon


@tagged("post_install", "-at_install")
class TestLoyaltyCard(ClinicLoyaltyCommon):
    def test_enrolling_a_patient_issues_one_card_with_an_ean13_number(self):
        patient = self._patient("Anna Petrova", "+7 912 000 11 22")

        cards = patient.clinic_card_ids
        self.assertEqual(len(cards), 1)
        self.assertEqual(cards.program_id, self.program)
        self.assertEqual(cards.points, 0)
        code = cards.code
        self.assertEqual(len(code), 13)
        self.assertTrue(code.isdigit())
        self.assertTrue(code.startswith("044"))
        self.assertEqual(code[-1], ean13_check_digit(code[:12]))
        self.assertEqual(patient.clinic_card_code, code)

    def test_enrolling_again_keeps_the_existing_card(self):
        patient = self.env["res.partner"].create({"name": "Boris Orlov"})
        self.assertFalse(patient.clinic_card_ids)

        patient.action_clinic_enrol()
        first = patient.clinic_card_ids
        patient.action_clinic_enrol()
        patient.write({"is_patient": True})

        self.assertTrue(patient.is_patient)
        self.assertEqual(patient.clinic_card_ids, first)
        self.assertEqual(len(first), 1)

    def test_card_numbers_are_unique(self):
        patients = self.env["res.partner"].create([{"name": f"Patient {i}", "is_patient": True} for i in range(60)])
        codes = patients.clinic_card_ids.mapped("code")
        self.assertEqual(len(codes), 60)
        self.assertEqual(len(set(codes)), 60)

        taken = codes[0]
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            server_write(self.env["loyalty.card"]).create({"program_id": self.program.id, "code": taken})

    def test_enrolling_without_a_programme_is_refused_with_a_reason(self):
        self.company.clinic_loyalty_program_id = False
        patient = self.env["res.partner"].create({"name": "Vera Lis"})
        with self.assertRaisesRegex(UserError, "No patient loyalty programme is set for"):
            patient.action_clinic_enrol()
        self.assertFalse(patient.is_patient)
        self.assertFalse(patient.clinic_card_ids)

    def test_qr_code_reads_back_as_the_card_number(self):
        card = self._patient("Galina Serova").clinic_card_ids

        image = Image.open(io.BytesIO(base64.b64decode(card.qr_code)))
        decoded = decode_barcodes(image)

        self.assertEqual(len(decoded), 1)
        self.assertEqual(decoded[0].type, "QRCODE")
        self.assertEqual(decoded[0].data.decode(), card.code)

    def test_printable_card_is_a_pdf_with_name_and_number(self):
        card = self._patient("Dina Kovaleva").clinic_card_ids
        report = self.env.ref("clinic_loyalty.loyalty_card_report_clinic")

        pdf, report_format = (
            self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(report, card.ids)
        )

        self.assertEqual(report_format, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        reader = PdfReader(io.BytesIO(pdf))
        self.assertEqual(len(reader.pages), 1)
        text = " ".join(reader.pages[0].extract_text().split())
        self.assertIn(card.code, text)
        self.assertIn("Dina Kovaleva", text)
        # The number reads back from the EAN-13 barcode (the desk's scanner) and the QR code.
        decoded = {
            (symbol.type, symbol.data.decode())
            for image in reader.pages[0].images
            for symbol in decode_barcodes(Image.open(io.BytesIO(image.data)))
        }
        self.assertEqual(decoded, {("EAN13", card.code), ("QRCODE", card.code)})
        # The card is printed on an ID-1 card (85.6 x 54 mm), about 244 x 153 points.
        box = reader.pages[0].mediabox
        self.assertAlmostEqual(float(box.width), 86 / 25.4 * 72, delta=3)
        self.assertAlmostEqual(float(box.height), 54 / 25.4 * 72, delta=3)

    def test_print_from_the_patient_opens_the_card_report(self):
        patient = self._patient("Yana Belova")
        action = patient.action_clinic_print_card()
        self.assertEqual(action["report_name"], "clinic_loyalty.report_loyalty_card_clinic")
        self.assertEqual(action["context"]["active_ids"], patient.clinic_card_ids.ids)

        stranger = self.env["res.partner"].create({"name": "Not Enrolled"})
        with self.assertRaisesRegex(UserError, "has no loyalty card yet"):
            stranger.action_clinic_print_card()

    def test_one_card_button_on_the_patient_opens_the_card(self):
        patient = self._patient("Olga Sidorova")
        action = patient.with_user(self.cashier).action_clinic_open_card()
        self.assertEqual((action["res_model"], action["res_id"]), ("loyalty.card", patient.clinic_card_ids.id))
        # The patient form has one card button: ours; Odoo's list of the contact's cards is
        # hidden for patients (it stays for other contacts), printing is on the card.
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_clinic_open_card"', arch)
        self.assertNotIn('name="action_clinic_print_card"', arch)
        self.assertRegex(arch, r'name="action_view_loyalty_cards"[^>]*invisible="[^"]*clinic_hide_card_list')
        card_arch = self.env["loyalty.card"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_print_clinic_card"', card_arch)
        # A clinic card expires by lots (Next Expiry), not as a whole: no empty Expiration Date.
        self.assertRegex(card_arch, r'name="expiration_date"[^>]*invisible="clinic_bonus"')
        with self.assertRaisesRegex(UserError, "has no loyalty card yet"):
            self.env["res.partner"].create({"name": "Not Enrolled"}).action_clinic_open_card()
