"""Path converters of the project's URLs."""

from lms.ids import MAX_ID_DIGITS


class IdConverter:
    """A primary key in a URL: 1 to 18 digits, as many as a positive 64-bit key holds.

    Django's ``int`` takes any number of digits; the database refuses an integer past 64 bits
    (SQLite raises ``OverflowError``, and a foreign-key lookup does not catch it), so a longer
    number, which can name no row, is refused here: the URL does not match, a 404.
    """

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
