"""Rules both connectors must apply identically: which api_url is safe to send a secret to, which credential
values an HTTP header can carry, and a session that never follows a redirect."""
