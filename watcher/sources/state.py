"""What a source's stored state says to a person: `watcher sources`, `watcher health` and the
operator's Telegram notice all word it the same way, so it is written once, here."""

from __future__ import annotations

from watcher.store import SourceState

__all__ = ["WHAT_TO_DO", "state_line"]

WHAT_TO_DO = {
    "refused": (
        "the site's robots.txt does not allow this source; nothing else is requested. Add an"
        ' official feed instead (README, "Going live"); override only with the site\'s permission'
        " (ignore_robots = true)"
    ),
    "blocked": "the site's bot protection answered; the watcher backs off and retries by itself",
    "stale": (
        "the site changed its layout: items are still stored (article extractor); update"
        " [selectors] or the source's [sources.selectors]"
    ),
}


def state_line(state: SourceState) -> str:
    """The source's state as `watcher sources` shows it: ok, or what the site said."""
    if state.cycles == 0:
        return "not polled yet"
    if state.state == "ok":
        return "ok" + (f" ({state.state_detail})" if state.state_detail else "")
    return state.state_detail or state.last_error or state.state
