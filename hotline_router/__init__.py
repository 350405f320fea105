"""The hotline queue: every conversation a human must take.

`service.HotlineHandoff` is the dialogue engine's port to it; `service.Hotline` holds the
routing (content/hotline/routing.yaml), the outbox worker (`relay`) and the SLA watcher
(`sla`); `operations` is what an operator does, `console` the web console, `runtime` runs
them in one event loop. Transports register a `relay.Sender` per transport name
(`hotline.senders.register("telegram", sender)`) and may add a `sla.ChatNotifier`.
This package does not import `bot`.
"""
