"""Every text a user sees, in Simplified Chinese, kept in this folder so the office can review it.

One module per area: ``questions`` (citizens' Q&A), ``applications`` (the application form and
receipts), ``staff`` (staff workflow and reminders), ``reports`` (statistics output), ``common``.
"""
