"""A4 documents that never cut a sentence: every text wraps in its column, and a block that does
not fit on the page starts the next one (the summary's PDF, LVS's yearly report).

Blocks are measured before they are drawn (fpdf2's dry run), so a heading stays with what
follows it and a table row is never split between two pages.
"""

from fpdf import FPDF, XPos, YPos

from .plain_text import without_control_characters
from .posters import FONTS

ACCENT = (11, 93, 80)
LINE = (138, 138, 138)
MIN_SIZE = 5.5  # pt: the smallest a text is made to keep its words whole


class Document(FPDF):
    def __init__(self, title):
        super().__init__(format="A4", unit="mm")
        self.set_title(title)
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(False)  # blocks are measured and moved whole (room())
        self.add_page()

    def normalize_text(self, text):
        # A name stored before control characters were refused: left out, as in every download.
        return super().normalize_text(without_control_characters(text, keep="\n"))

    def room(self, height):
        """Start a new page unless `height` mm fit below the current line."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def lines_of(self, width, height, text):
        return len(self.multi_cell(width, height, text, dry_run=True, output="LINES")) if text else 1

    def paragraph(self, text, size=10, height=5, bold=False, keep_with=0):
        """A paragraph across the page; `keep_with` mm of what follows stay on the same page."""
        self.set_font("DejaVu", "B" if bold else "", size)
        self.room(self.lines_of(self.epw, height, text) * height + keep_with)
        self.multi_cell(self.epw, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text, size=9.5, keep_with=12):
        self.set_y(self.get_y() + 1.5)
        self.paragraph(text, size=size, height=5.5, bold=True, keep_with=keep_with)

    def fitting_size(self, text, width, size, smallest=MIN_SIZE):
        """The font size, at most `size`, at which the longest word of `text` fits in `width` mm:
        a text wraps at its spaces, never inside a word ("Hovedstadsområ-det")."""
        words = text.split() or [""]
        self.set_font_size(size)
        room = width - 2 * self.c_margin
        longest = max(self.get_string_width(word) for word in words)
        if longest <= room:
            return size
        return max(smallest, size * room / longest - 0.05)

    def row(self, columns, size=8, height=4.2, bar=None, bar_width=45):
        """One table row: columns are (width, text, align); each text wraps in its width at its
        spaces (a column whose longest word would not fit gets a smaller font) and the row is as
        tall as its tallest column. `bar` draws a share (0..1) as a bar after them."""
        self.set_font("DejaVu", "", size)
        sizes = [self.fitting_size(text, width - 1, size) for width, text, _align in columns]
        tallest = 0
        for (width, text, _align), fitted in zip(columns, sizes, strict=True):
            self.set_font_size(fitted)
            tallest = max(tallest, self.lines_of(width - 1, height * fitted / size, text) * fitted / size)
        tallest = max(1, tallest)
        self.room(tallest * height)
        x, y = self.l_margin, self.get_y()
        for (width, text, align), fitted in zip(columns, sizes, strict=True):
            self.set_font_size(fitted)
            self.set_xy(x, y)
            self.multi_cell(width - 1, height * fitted / size, text, align=align, new_x=XPos.RIGHT, new_y=YPos.TOP)
            x += width
        self.set_font_size(size)
        if bar is not None:
            self.set_fill_color(*ACCENT)
            self.rect(x + 3, y + 1, bar_width * bar, 2.4, style="F")
        self.set_xy(self.l_margin, y + tallest * height)

    def columns(self, bars, height=20, width=14):
        """Labelled columns: bars are (label, value shown above it, size 0..1 or None for a
        withheld one, drawn as a dashed box)."""
        self.room(height + 12)
        left, base = self.l_margin, self.get_y() + height + 4
        self.set_font("DejaVu", "", 7.5)
        self.set_draw_color(*LINE)
        for i, (label, shown, size) in enumerate(bars):
            x = left + i * width
            bar = height * size if size is not None else 3
            if size is not None:
                self.set_fill_color(*ACCENT)
                self.rect(x + 2, base - bar, width - 4, bar, style="F")
            else:
                with self.local_context(dash_pattern=dict(dash=0.8, gap=0.6)):
                    self.rect(x + 2, base - bar, width - 4, bar)
            for text, top in ((shown, base - bar - 3.6), (label, base + 0.6)):
                # A label wider than its column ("tilbageholdt") is made smaller, never drawn over the next.
                self.set_font_size(self.fitting_size(text, width - 0.4, 7.5, smallest=4))
                self.set_xy(x, top)
                self.cell(width, 3.4, text, align="C")
            self.set_font_size(7.5)
        self.line(left, base, left + width * len(bars), base)
        self.set_xy(left, base + 4.5)

    def bytes(self):
        return bytes(self.output())
