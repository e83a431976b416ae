"""Rules both connectors must apply identically: which api_url is safe to send a secret to, which credential
values an HTTP header can carry, a session that never follows a redirect, and the shape of a config error."""
