"""`make demo` (`python -m demo`): the whole Crisp -> Airbyte -> Convot job on a laptop, on the sandboxes.

Also `python -m demo.local_registry PATH`: the registry file PyAirbyte resolves both connectors by name in.
Runs from a checkout (it reads metadata.yaml and the specs beside it); not part of the installed distribution.
"""
