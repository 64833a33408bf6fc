"""Discord slash-command groups: thin adapters over the services of `bot`."""
