"""The shared kernel: what every app may import, importing no app itself.

The domain's base error family, the API exception handler, form helpers, money, the client-IP
helper and the limits derived from settings live here, so that no app reaches into another
app's private helpers.
"""
