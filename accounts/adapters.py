from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Project hooks into allauth.

    Sign-up stays open; agency membership follows a verified email (see accounts.signals).
    """

    def is_safe_url(self, url: str | None) -> bool:
        """allauth parses a ``next`` address itself before Django checks it, and Python's parser
        raises on a malformed bracketed host (``http://[\\x00::1]/``): such an address is not
        safe to go to, and the sign-in page still opens (it was a 500; found by the fuzz)."""
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False
