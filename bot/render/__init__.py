"""All Discord rendering, replies and notifications alike, as embed JSON: one module per domain.

`text` holds the helpers every embed uses (limits, colours, cutting, fields, numbers, timestamps);
`posts`, `team`, `watch` and `config` the command replies; `notices` the outbox notifications. Import the
module you need (`from bot.render.posts import track_result_embed`). Services never import this package:
cogs, the CLI and the notification dispatcher hand it the services' results.
"""
