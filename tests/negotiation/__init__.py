"""The negotiation room: its rules, its socket, accepting an offer, and the move of its tables into the app."""
