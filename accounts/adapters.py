from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Project hooks into allauth.

    Sign-up stays open; agency membership follows a verified email (see accounts.signals).
    """
