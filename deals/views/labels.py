"""The words the live deal page (static/js/deal-room.js) says, translated here with the page's language: the
connection's state, who is online or typing, what changed, and what each of one's own actions did (the same
words the plain forms' confirmations use)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def room_labels() -> dict[str, object]:
    return {
        "connecting": _("Connecting…"),
        "live": _("Live: the other business's changes appear as they are made."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "offline": _("Live updates are off: reload the page to see the other business's changes."),
        "online": _("online"),
        "away": _("offline"),
        "typing": _("The other business is writing here…"),
        "error": _("Problem:"),
        "lost": _("The connection dropped before this was confirmed. Check the page, then try again."),
        # What the other side changed, said in the page's live region ("%(part)s": a clause's or field's name).
        "changed": {
            "proposal": _("Proposals on %(part)s changed."),
            "comment": _("New comment on %(part)s."),
            "version": _("%(part)s changed: the text is now version %(number)s."),
            "final": _("The marks of the text as final changed."),
            "other": _("The deal changed; the page is up to date."),
        },
        # What one's own action did, once the server confirmed it.
        "done": {
            "propose": _("Your proposal is sent to the other business."),
            "comment": _("Your comment is posted."),
            "accept": _("You accepted the proposal: it is in the new version."),
            "reject": _("You rejected the proposal."),
            "withdraw": _("You withdrew your proposal."),
            "final": _("You marked this version final."),
            "unfinal": _("Your mark is taken back."),
        },
    }
