"""The pure core: detection, policy, verdicts and reply texts. No discord, no database, no I/O."""
