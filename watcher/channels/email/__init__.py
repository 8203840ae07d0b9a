"""The e-mail channel: SMTP sending, rendering and the daily digest jobs."""
