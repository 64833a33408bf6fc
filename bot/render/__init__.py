"""All Discord rendering, replies and notifications alike, as embed JSON: one module per domain.

`text` holds the helpers every embed uses (limits, colours, cutting, fields, numbers, timestamps);
`posts`, `team`, `watch` and `config` the command replies, `errors` the replies to failures that are not
domain errors, `notices` the outbox notifications. Import the module you need
(`from bot.render.posts import track_result_embed`). Services never import this package: cogs and the CLI
render the services' results, and the Discord adapters hand `notices.render_notice` to the dispatcher.
"""
