"""Programme insights for portal admins: pair health, programme analytics and ROI.

Everything here reads activity metadata (dates, kinds and counts), never the text of a
journal entry, practice, comment, agenda point or meeting note.
"""
