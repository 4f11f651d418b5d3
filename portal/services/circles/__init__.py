"""Circles: a facilitator with a small group (docs/circles.md).

``formation`` is the programme team's side (form, propose, move, approve), ``health`` the
team's aggregates, ``page`` the members' side (the circle page, meetings, agreement, leaving).
"""
