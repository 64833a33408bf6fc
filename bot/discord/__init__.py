"""The Discord adapters: the bot class, the command tree and its error handler, the admin gate, the
notification sender, the endpoint overrides and the `run` process. Only this package (with cogs/, the CLI
and the sandbox) imports discord.py; the services below it do not."""
