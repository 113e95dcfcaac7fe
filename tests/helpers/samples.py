"""Sample documents made by the libraries that read them (python-docx, openpyxl, python-pptx,
odfpy, fpdf2), and hostile ones: a zip bomb dressed as DOCX, a PDF of 10,000 pages, an ODF file
whose XML is a billion laughs."""

from __future__ import annotations

import io
import zipfile

from fpdf import FPDF


def _saved(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def docx(text: str) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading("Titre", level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "cellule"
    table.rows[0].cells[1].text = "tableau"
    return _saved(document)


def xlsx(text: str) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet["A1"] = text
    sheet["B2"] = 1234
    return _saved(workbook)


def pptx(text: str) -> bytes:
    import pptx as python_pptx

    presentation = python_pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = text
    slide.notes_slide.notes_text_frame.text = "notes de l'orateur"
    return _saved(presentation)


def odt(text: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Titre"))
    document.text.addElement(P(text=text))
    return _saved(document)


def ods(text: str) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")
    row = TableRow()
    cell = TableCell()
    cell.addElement(P(text=text))
    row.addElement(cell)
    table.addElement(row)
    document.spreadsheet.addElement(table)
    return _saved(document)


def odp(text: str) -> bytes:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="master", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    page = Page(masterpagename=master)
    frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    box = TextBox()
    box.addElement(P(text=text))
    frame.addElement(box)
    page.addElement(frame)
    document.presentation.addElement(page)
    return _saved(document)


def pdf(text: str, *, pages: int = 1) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=14)
    for number in range(pages):
        document.add_page()
        document.cell(text=f"{text} {number + 1}" if pages > 1 else text)
    return bytes(document.output())


def html(text: str) -> bytes:
    return (
        "<!doctype html><html><head><title>Page</title><style>p{color:red}</style>"
        f"<script>document.write('script-words')</script></head><body><p>{text} &amp; "
        "caf&eacute;</p></body></html>"
    ).encode()


def zip_bomb_docx(unpacked_mb: int = 400) -> bytes:
    """A DOCX whose document part unpacks to `unpacked_mb` MB (a few hundred kB packed)."""
    buffer = io.BytesIO()
    real = docx("rien")
    with (
        zipfile.ZipFile(io.BytesIO(real)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            if item.filename == "word/document.xml":
                with bomb.open(item.filename, "w", force_zip64=True) as part:
                    part.write(b'<?xml version="1.0"?><w:document ')
                    block = b" " * (1024 * 1024)
                    for _ in range(unpacked_mb):
                        part.write(block)
            else:
                bomb.writestr(item, source.read(item.filename))
    return buffer.getvalue()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>
<text:p>&lol9;</text:p></office:text></office:body></office:document-content>"""


def billion_laughs(kind: str = "odt") -> bytes:
    """An ODT (or a DOCX) whose main XML part is a billion laughs."""
    real = odt("rien") if kind == "odt" else docx("rien")
    part = "content.xml" if kind == "odt" else "word/document.xml"
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(real)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as hostile,
    ):
        for item in source.infolist():
            if item.filename == part:
                hostile.writestr(item, BILLION_LAUGHS)
            else:
                hostile.writestr(item, source.read(item.filename))
    return buffer.getvalue()
