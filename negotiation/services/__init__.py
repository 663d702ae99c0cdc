"""Writes of the negotiation room, one module per part of it: messages, offers, double-blind bids, the
extension, escalation to mediation, and the presence rows of its sockets.

Each persists first and broadcasts after the commit. Rows that two people may act on at once
(an offer, a bidding round, the case) are locked, so concurrent actions resolve to one outcome and
the loser gets a clear error.
"""
