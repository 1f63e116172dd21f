"""The Azure Functions' jobs (``function_app.py`` binds one trigger to each): app settings, the inbox that
files ingested workbooks, and the batch queue.
"""
