"""The moderators' web dashboard (`quidprono web`): log in with Discord, see a server, tune its policy safely.

An entry point beside the CLI: it wires config, storage and the core together and is imported by nothing
below it. Pages are rendered on the server (Jinja2), so it needs no build step.
"""
