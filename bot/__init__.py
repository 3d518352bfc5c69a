"""Quid Pro No: answers "follow me back" demands with an explained verdict."""
