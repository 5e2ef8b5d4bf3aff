"""What the app's pages read and do, one module per page group, and the interface labels.

Pages never open the database or compute anything themselves: they call these functions
(through ``app_pages/ui.py``) and render what comes back.
"""
